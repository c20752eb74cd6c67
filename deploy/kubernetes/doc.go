// Package kubernetes holds the Kubernetes deployment of trafficflow, a
// kustomize base that `kubectl apply -k deploy/kubernetes` installs, with the
// optional components geoip/ and git-sync/ (see the README's "Kubernetes").
//
// It has no Go code: its test builds the base, and the base with each
// component, with kustomize's library, decodes every object strictly into
// its Kubernetes API type, and checks that the objects, the Corefile, the
// policy store and the repository's Dockerfile fit together.
package kubernetes
