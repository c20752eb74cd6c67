package kubernetes

import (
	"bufio"
	"cmp"
	"go/parser"
	"go/token"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coredns/caddy/caddyfile"
	"github.com/miekg/dns"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/trafficflow/trafficflow/policyfile"
)

const (
	// image is the Deployment's image: the repository's Dockerfile built
	// and pushed.
	image = "ghcr.io/trafficflow/trafficflow:latest"
	// binary is where the Dockerfile puts CoreDNS, its ENTRYPOINT.
	binary = "/coredns"
	// configMapMax is the API server's limit on a ConfigMap's data.
	configMapMax = 1 << 20
)

// variant is what kubectl apply -k installs: the base, or the base with
// components.
type variant struct {
	name       string
	components []string
	// geoip: the Corefile names a GeoIP database on a read-only volume.
	geoip bool
	// gitSync: the store comes from a git-sync sidecar, not a ConfigMap.
	gitSync bool
}

var variants = []variant{
	{name: "base"},
	{name: "geoip", components: []string{"geoip"}, geoip: true},
	{name: "git-sync", components: []string{"git-sync"}, gitSync: true},
}

// TestDeployment builds every variant and checks its objects and how they
// refer to each other.
func TestDeployment(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			objs := build(t, v.components...)
			checkDeployment(t, objs, v)
		})
	}
}

// TestComponentCorefiles checks that each component's Corefile is the base's
// with only its own change: they carry whole copies, which must not drift.
func TestComponentCorefiles(t *testing.T) {
	base := parseCorefile(t, corefileOf(t, build(t)))
	for _, v := range variants[1:] {
		t.Run(v.name, func(t *testing.T) {
			cf := parseCorefile(t, corefileOf(t, build(t, v.components...)))
			if !slices.Equal(cf.keys, base.keys) {
				t.Errorf("server block %v, the base's is %v", cf.keys, base.keys)
			}
			for _, d := range unionKeys(cf.tokens, base.tokens) {
				if d != "trafficflow" && !slices.Equal(cf.tokens[d], base.tokens[d]) {
					t.Errorf("directive %s is %q, the base's is %q", d, cf.tokens[d], base.tokens[d])
				}
			}
			tf, btf := cf.trafficflow, base.trafficflow
			if v.geoip != (tf.options["geoip"] != nil) {
				t.Errorf("trafficflow geoip %q: the component adds a database: %v", tf.options["geoip"], v.geoip)
			}
			for _, o := range unionKeys(tf.options, btf.options) {
				if o != "geoip" && !slices.Equal(tf.options[o], btf.options[o]) {
					t.Errorf("trafficflow option %s is %q, the base's is %q", o, tf.options[o], btf.options[o])
				}
			}
			if !slices.Equal(tf.zones, btf.zones) {
				t.Errorf("trafficflow zones %q, the base's are %q", tf.zones, btf.zones)
			}
			if v.gitSync == (tf.dir == btf.dir) {
				t.Errorf("trafficflow directory %s, the base's is %s", tf.dir, btf.dir)
			}
		})
	}
}

// TestDockerfile checks the repository's Dockerfile against the Deployment:
// a multi-stage static build whose binary is the image's entry point, run as
// the non-root user the pods run as, exposing the Corefile's port.
func TestDockerfile(t *testing.T) {
	objs := build(t)
	pod := &objs.deployment.Spec.Template.Spec
	c := coredns(t, pod)
	cf := parseCorefile(t, corefileOf(t, objs))

	stages := dockerfile(t, "../../Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a build stage and a run stage", len(stages))
	}
	var built bool
	var names []string // of the stages before the final one
	for _, s := range stages[:len(stages)-1] {
		names = append(names, s.name)
		for _, run := range s.instr["RUN"] {
			if strings.Contains(run, "go build") {
				built = true
				for _, want := range []string{"CGO_ENABLED=0", "-o " + binary, "./cmd/coredns", "-trimpath"} {
					if !strings.Contains(run, want) {
						t.Errorf("Dockerfile: the build %q lacks %q", run, want)
					}
				}
			}
		}
	}
	if !built {
		t.Error("Dockerfile: no build stage runs go build")
	}
	final := stages[len(stages)-1]
	if !slices.ContainsFunc(final.instr["COPY"], func(s string) bool {
		f := strings.Fields(s)
		if len(f) != 3 {
			return false
		}
		from, ok := strings.CutPrefix(f[0], "--from=")
		return ok && slices.Contains(names, from) && f[1] == binary && f[2] == binary
	}) {
		t.Errorf("Dockerfile: the final stage does not copy %s from a build stage: %q", binary, final.instr["COPY"])
	}
	users := final.instr["USER"]
	if len(users) == 0 {
		t.Fatal("Dockerfile: the final stage has no USER")
	}
	user, group, _ := strings.Cut(users[len(users)-1], ":")
	uid, err := strconv.ParseInt(user, 10, 64)
	if sc := pod.SecurityContext; err != nil || uid == 0 {
		t.Errorf("Dockerfile: USER %s is not a numeric non-root user (runAsNonRoot needs a numeric one)", users[len(users)-1])
	} else if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != uid {
		t.Errorf("Dockerfile: USER %d, the pods run as another user", uid)
	}
	if gid, err := strconv.ParseInt(group, 10, 64); group != "" && (err != nil || pod.SecurityContext.RunAsGroup == nil || *pod.SecurityContext.RunAsGroup != gid) {
		t.Errorf("Dockerfile: USER group %s, the pods run as another group", group)
	}
	if ep := final.instr["ENTRYPOINT"]; len(ep) != 1 || ep[0] != `["`+binary+`"]` {
		t.Errorf("Dockerfile: ENTRYPOINT %q, want [%q]", ep, binary)
	}
	if len(c.Command) != 0 {
		t.Errorf("container coredns sets command %q: the image's ENTRYPOINT is %s", c.Command, binary)
	}
	exposed := strings.Fields(strings.Join(final.instr["EXPOSE"], " "))
	for _, p := range []string{cf.port + "/udp", cf.port + "/tcp"} {
		if !slices.Contains(exposed, p) {
			t.Errorf("Dockerfile: EXPOSE %q lacks %s (the Corefile's port)", exposed, p)
		}
	}
	ignore, err := os.ReadFile("../../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Fields(string(ignore)), ".git") {
		t.Error(".dockerignore does not leave out .git")
	}
}

// objects is a build's output, by kind.
type objects struct {
	deployment *appsv1.Deployment
	services   []*corev1.Service
	pdbs       []*policyv1.PodDisruptionBudget
	configMaps map[string]*corev1.ConfigMap
}

// build runs kustomize on this directory, through an overlay with the
// components when there are any (a component is not built alone), and
// decodes every object strictly (an unknown field is an error) into its API
// type.
func build(t *testing.T, components ...string) *objects {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(components) > 0 {
		// kustomize refuses absolute paths to bases and components.
		overlay := t.TempDir()
		rel, err := filepath.Rel(overlay, dir)
		if err != nil {
			t.Fatal(err)
		}
		k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + filepath.ToSlash(rel) + "\ncomponents:\n"
		for _, c := range components {
			k += "  - " + filepath.ToSlash(filepath.Join(rel, c)) + "\n"
		}
		if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o644); err != nil {
			t.Fatal(err)
		}
		dir = overlay
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	objs := &objects{configMaps: map[string]*corev1.ConfigMap{}}
	seen := map[string]bool{}
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		id := r.GetApiVersion() + " " + r.GetKind() + " " + r.GetName()
		if seen[id] {
			t.Errorf("%s: twice", id)
		}
		seen[id] = true
		if r.GetNamespace() != "" {
			t.Errorf("%s: namespace %q: the base installs into the namespace kubectl is given", id, r.GetNamespace())
		}
		var obj any
		switch r.GetApiVersion() + " " + r.GetKind() {
		case "apps/v1 Deployment":
			if objs.deployment != nil {
				t.Errorf("%s: a second Deployment", id)
			}
			objs.deployment = &appsv1.Deployment{}
			obj = objs.deployment
		case "v1 Service":
			objs.services = append(objs.services, &corev1.Service{})
			obj = objs.services[len(objs.services)-1]
		case "policy/v1 PodDisruptionBudget":
			objs.pdbs = append(objs.pdbs, &policyv1.PodDisruptionBudget{})
			obj = objs.pdbs[len(objs.pdbs)-1]
		case "v1 ConfigMap":
			cm := &corev1.ConfigMap{}
			objs.configMaps[r.GetName()] = cm
			obj = cm
		default:
			t.Errorf("%s: unexpected kind", id)
			continue
		}
		if err := yaml.UnmarshalStrict(y, obj); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	if objs.deployment == nil {
		t.Fatal("no Deployment")
	}
	return objs
}

// checkDeployment checks one variant's objects.
func checkDeployment(t *testing.T, objs *objects, v variant) {
	d := objs.deployment
	pod := &d.Spec.Template.Spec
	podLabels := labels.Set(d.Spec.Template.Labels)

	// Replicas, spread over nodes, and the label selectors.
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("Deployment: replicas %v, want 3", d.Spec.Replicas)
	}
	if !selects(t, "Deployment", d.Spec.Selector, podLabels) {
		t.Error("Deployment: the selector does not select the pod template's labels")
	}
	if !slices.ContainsFunc(pod.TopologySpreadConstraints, func(c corev1.TopologySpreadConstraint) bool {
		return c.TopologyKey == corev1.LabelHostname && c.WhenUnsatisfiable == corev1.ScheduleAnyway &&
			c.MaxSkew == 1 && selects(t, "topology spread", c.LabelSelector, podLabels)
	}) {
		t.Error("Deployment: no topology spread over kubernetes.io/hostname (maxSkew 1, ScheduleAnyway) selecting its pods")
	}
	if len(objs.pdbs) != 1 {
		t.Fatalf("%d PodDisruptionBudgets, want 1", len(objs.pdbs))
	}
	pdb := objs.pdbs[0].Spec
	if !selects(t, "PodDisruptionBudget", pdb.Selector, podLabels) {
		t.Error("PodDisruptionBudget: the selector does not select the Deployment's pods")
	}
	if (pdb.MinAvailable == nil) == (pdb.MaxUnavailable == nil) {
		t.Error("PodDisruptionBudget: want one of minAvailable and maxUnavailable")
	} else if pdb.MaxUnavailable != nil && pdb.MaxUnavailable.IntValue() != 1 ||
		pdb.MinAvailable != nil && pdb.MinAvailable.IntValue() != int(*d.Spec.Replicas)-1 {
		t.Errorf("PodDisruptionBudget: minAvailable %v, maxUnavailable %v: want one replica at a time", pdb.MinAvailable, pdb.MaxUnavailable)
	}

	// The container, its security and its resources.
	c := coredns(t, pod)
	if c.Image != image {
		t.Errorf("container coredns: image %s, want %s", c.Image, image)
	}
	checkSecurity(t, pod)
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() {
		t.Errorf("container coredns: requests %v, want cpu and memory", req)
	}
	if lim.Memory().IsZero() || lim.Memory().Cmp(*req.Memory()) < 0 {
		t.Errorf("container coredns: memory limit %v, want one at least the request %v", lim.Memory(), req.Memory())
	}
	if _, ok := lim[corev1.ResourceCPU]; ok {
		t.Error("container coredns: a CPU limit throttles bursts; want none")
	}
	checkMemLimit(t, c)

	// The volumes, and the Corefile from the file -conf names.
	files := newContainerFS(t, objs, pod, c)
	cf := parseCorefile(t, corefileOf(t, objs))

	// Probes: ready and health plugins.
	checkProbe(t, "readinessProbe", c, c.ReadinessProbe, "/ready", cf.listen(t, "ready"))
	checkProbe(t, "livenessProbe", c, c.LivenessProbe, "/health", cf.listen(t, "health"))

	// Ports: the server's in the container, the Service's 53 to it.
	for _, proto := range []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP} {
		if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool {
			return strconv.Itoa(int(p.ContainerPort)) == cf.port && p.Protocol == proto
		}) {
			t.Errorf("container coredns: no %s port %s (the Corefile's)", proto, cf.port)
		}
	}
	if len(objs.services) != 1 {
		t.Fatalf("%d Services, want 1", len(objs.services))
	}
	svc := objs.services[0]
	if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(podLabels) {
		t.Errorf("Service: selector %v does not select the Deployment's pods", svc.Spec.Selector)
	}
	for _, proto := range []corev1.Protocol{corev1.ProtocolUDP, corev1.ProtocolTCP} {
		if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Port == 53 && p.Protocol == proto }) {
			t.Errorf("Service: no %s port 53", proto)
		}
	}
	for _, p := range svc.Spec.Ports {
		if got := resolvePort(c, p.TargetPort, p.Protocol); got != cf.port {
			t.Errorf("Service: port %s %d goes to %q, the Corefile's port is %s", p.Protocol, p.Port, got, cf.port)
		}
	}

	// Prometheus: the annotations name the prometheus plugin's port.
	metrics := cf.listen(t, "prometheus")
	for k, want := range map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": metrics, "prometheus.io/path": "/metrics"} {
		if got := d.Spec.Template.Annotations[k]; got != want {
			t.Errorf("pod template: annotation %s is %q, want %q", k, got, want)
		}
	}
	if !slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return strconv.Itoa(int(p.ContainerPort)) == metrics }) {
		t.Errorf("container coredns: no port %s (prometheus)", metrics)
	}

	// The rest of the zone: the file plugin's zone file, from a ConfigMap.
	for _, z := range cf.tokens["file"] {
		if strings.HasPrefix(z, "/") {
			checkZoneFile(t, files, z, cf.zones)
		}
	}

	// GeoIP: a read-only volume, only where asked for.
	tf := cf.trafficflow
	if geoip := tf.options["geoip"]; !v.geoip && geoip != nil {
		t.Errorf("trafficflow: geoip %q: the base has no GeoIP database", geoip)
	} else if v.geoip {
		if len(geoip) != 1 {
			t.Fatalf("trafficflow: geoip %q, want one database", geoip)
		}
		m, vol := files.mountOf(geoip[0])
		if m == nil || vol == nil || !m.ReadOnly || vol.PersistentVolumeClaim == nil && vol.Image == nil ||
			vol.PersistentVolumeClaim != nil && !vol.PersistentVolumeClaim.ReadOnly {
			t.Errorf("trafficflow: geoip %s is not on a read-only claim or image volume", geoip[0])
		}
	}

	// The store: a ConfigMap volume mounted at the directory itself, or the
	// checkout of a git-sync sidecar.
	m, vol := files.mountOf(tf.dir)
	switch {
	case m == nil || vol == nil:
		t.Errorf("trafficflow: store %s is on no volume", tf.dir)
	case v.gitSync:
		checkGitSync(t, pod, c, m, vol, tf.dir)
	case vol.ConfigMap == nil || m.MountPath != tf.dir:
		t.Errorf("trafficflow: store %s is not a ConfigMap volume's mount path (%s, volume %s)", tf.dir, m.MountPath, m.Name)
	default:
		checkStore(t, objs.configMaps[vol.ConfigMap.Name], vol.ConfigMap, cf)
	}
}

// coredns returns the CoreDNS container.
func coredns(t *testing.T, pod *corev1.PodSpec) *corev1.Container {
	t.Helper()
	for i := range pod.Containers {
		if pod.Containers[i].Name == "coredns" {
			return &pod.Containers[i]
		}
	}
	t.Fatal("Deployment: no container coredns")
	return nil
}

func selects(t *testing.T, what string, sel *metav1.LabelSelector, set labels.Set) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return false
	}
	return !s.Empty() && s.Matches(set)
}

// checkSecurity checks that every container runs as non-root with a
// read-only root filesystem, no privilege escalation, no capabilities and
// the runtime's seccomp profile.
// checkMemLimit: GOMEMLIMIT is set a little below the memory limit, so that
// the collector works harder there instead of the pod being killed (a
// reload holds two stores, and the heap may grow to twice the live heap).
func checkMemLimit(t *testing.T, c *corev1.Container) {
	t.Helper()
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "GOMEMLIMIT" })
	if i < 0 {
		t.Error("container coredns: no GOMEMLIMIT")
		return
	}
	mib, ok := strings.CutSuffix(c.Env[i].Value, "MiB")
	n, err := strconv.Atoi(mib)
	if !ok || err != nil {
		t.Errorf("container coredns: GOMEMLIMIT %q, want a number of MiB", c.Env[i].Value)
		return
	}
	limit := c.Resources.Limits.Memory().Value()
	if share := float64(n<<20) / float64(limit); share < 0.8 || share > 0.95 {
		t.Errorf("container coredns: GOMEMLIMIT %s is %.0f%% of the memory limit %v, want 80-95%%", c.Env[i].Value, 100*share, c.Resources.Limits.Memory())
	}
}

func checkSecurity(t *testing.T, pod *corev1.PodSpec) {
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for _, c := range slices.Concat(pod.InitContainers, pod.Containers) {
		sc := c.SecurityContext
		if sc == nil {
			t.Errorf("container %s: no securityContext", c.Name)
			continue
		}
		nonRoot := cmp.Or(sc.RunAsNonRoot, psc.RunAsNonRoot)
		user, group := cmp.Or(sc.RunAsUser, psc.RunAsUser), cmp.Or(sc.RunAsGroup, psc.RunAsGroup)
		if nonRoot == nil || !*nonRoot || user == nil || *user == 0 || group == nil || *group == 0 {
			t.Errorf("container %s: not runAsNonRoot with a non-root runAsUser and runAsGroup", c.Name)
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Errorf("container %s: allowPrivilegeEscalation is not false", c.Name)
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Errorf("container %s: privileged", c.Name)
		}
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("container %s: the root filesystem is not read-only", c.Name)
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
			t.Errorf("container %s: capabilities %v, want all dropped and none added", c.Name, sc.Capabilities)
		}
		if sp := cmp.Or(sc.SeccompProfile, psc.SeccompProfile); sp == nil || sp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("container %s: seccomp profile is not RuntimeDefault", c.Name)
		}
	}
}

// checkProbe checks that a probe asks the plugin listening on listen.
func checkProbe(t *testing.T, what string, c *corev1.Container, p *corev1.Probe, path, listen string) {
	if p == nil || p.HTTPGet == nil {
		t.Errorf("container coredns: no HTTP %s", what)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("container coredns: %s path %s, want %s", what, p.HTTPGet.Path, path)
	}
	if got := resolvePort(c, p.HTTPGet.Port, corev1.ProtocolTCP); got != listen {
		t.Errorf("container coredns: %s port %q, the plugin listens on %s", what, got, listen)
	}
}

// resolvePort returns the number a port or port name stands for in c, or
// "" for a name c does not have.
func resolvePort(c *corev1.Container, p intstr.IntOrString, proto corev1.Protocol) string {
	if p.Type == intstr.Int {
		return strconv.Itoa(p.IntValue())
	}
	for _, cp := range c.Ports {
		if cp.Protocol == "" {
			cp.Protocol = corev1.ProtocolTCP
		}
		if cp.Name == p.StrVal && cp.Protocol == proto {
			return strconv.Itoa(int(cp.ContainerPort))
		}
	}
	return ""
}

// containerFS is what a container sees of its volumes.
type containerFS struct {
	objs    *objects
	mounts  []corev1.VolumeMount
	volumes map[string]*corev1.Volume
}

// newContainerFS checks c's mounts against the pod's volumes and the
// ConfigMaps: every mount has its volume, every volume is mounted, every
// ConfigMap exists with every key its items name, a mount inside another
// comes after it, and no ConfigMap file hides a mount point inside it.
func newContainerFS(t *testing.T, objs *objects, pod *corev1.PodSpec, c *corev1.Container) *containerFS {
	fs := containerFSOf(objs, pod, c)
	used := map[string]bool{}
	for _, ctr := range slices.Concat(pod.InitContainers, pod.Containers) {
		for _, m := range ctr.VolumeMounts {
			used[m.Name] = true
			if fs.volumes[m.Name] == nil {
				t.Errorf("container %s: mounts volume %s, which the pod does not have", ctr.Name, m.Name)
			}
			if m.SubPath != "" || m.SubPathExpr != "" {
				t.Errorf("container %s: mount %s uses a subPath, which the kubelet never updates", ctr.Name, m.MountPath)
			}
		}
	}
	for name, v := range fs.volumes {
		if !used[name] {
			t.Errorf("volume %s: mounted by no container", name)
		}
		cmv := v.ConfigMap
		if cmv == nil {
			continue
		}
		if cmv.Optional != nil && *cmv.Optional {
			t.Errorf("volume %s: optional: a missing ConfigMap would pass unnoticed", name)
		}
		cm := objs.configMaps[cmv.Name]
		if cm == nil {
			t.Errorf("volume %s: ConfigMap %s is not in the build", name, cmv.Name)
			continue
		}
		for _, it := range cmv.Items {
			if _, ok := cm.Data[it.Key]; !ok {
				t.Errorf("volume %s: ConfigMap %s has no key %s", name, cmv.Name, it.Key)
			}
		}
	}
	for i, m := range c.VolumeMounts {
		for _, outer := range c.VolumeMounts[i+1:] {
			if under(m.MountPath, outer.MountPath) {
				t.Errorf("container %s: mount %s comes before %s, which it is inside", c.Name, m.MountPath, outer.MountPath)
			}
		}
		files := fs.files(&m)
		for _, inner := range c.VolumeMounts {
			if inner.MountPath != m.MountPath && under(inner.MountPath, m.MountPath) {
				top, _, _ := strings.Cut(strings.TrimPrefix(inner.MountPath, m.MountPath+"/"), "/")
				for f := range files {
					if f == top || strings.HasPrefix(f, top+"/") {
						t.Errorf("container %s: ConfigMap file %s/%s is where %s is mounted", c.Name, m.MountPath, f, inner.MountPath)
					}
				}
			}
		}
	}
	return fs
}

// containerFSOf returns what c sees of its pod's volumes.
func containerFSOf(objs *objects, pod *corev1.PodSpec, c *corev1.Container) *containerFS {
	fs := &containerFS{objs: objs, mounts: c.VolumeMounts, volumes: map[string]*corev1.Volume{}}
	for i := range pod.Volumes {
		fs.volumes[pod.Volumes[i].Name] = &pod.Volumes[i]
	}
	return fs
}

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// mountOf returns the innermost mount holding p, and its volume.
func (fs *containerFS) mountOf(p string) (*corev1.VolumeMount, *corev1.Volume) {
	var best *corev1.VolumeMount
	for i := range fs.mounts {
		if m := &fs.mounts[i]; under(p, m.MountPath) && (best == nil || len(m.MountPath) > len(best.MountPath)) {
			best = m
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, fs.volumes[best.Name]
}

// files returns the files a ConfigMap volume mount shows, by path relative
// to the mount (nil for other volumes).
func (fs *containerFS) files(m *corev1.VolumeMount) map[string]string {
	v := fs.volumes[m.Name]
	if v == nil || v.ConfigMap == nil || fs.objs.configMaps[v.ConfigMap.Name] == nil {
		return nil
	}
	return projection(fs.objs.configMaps[v.ConfigMap.Name], v.ConfigMap)
}

// projection returns the files a ConfigMap volume shows: its items, or
// every key.
func projection(cm *corev1.ConfigMap, v *corev1.ConfigMapVolumeSource) map[string]string {
	out := map[string]string{}
	if len(v.Items) == 0 {
		for k, d := range cm.Data {
			out[k] = d
		}
		return out
	}
	for _, it := range v.Items {
		if d, ok := cm.Data[it.Key]; ok {
			out[path.Clean(it.Path)] = d
		}
	}
	return out
}

// read returns the content of the file at p, if a ConfigMap volume has it.
func (fs *containerFS) read(p string) (string, bool) {
	m, _ := fs.mountOf(p)
	if m == nil {
		return "", false
	}
	d, ok := fs.files(m)[strings.TrimPrefix(p, m.MountPath+"/")]
	return d, ok
}

// checkZoneFile checks that the file plugin's zone file is in a ConfigMap
// and is a valid zone with an SOA for one of the server's zones.
func checkZoneFile(t *testing.T, files *containerFS, p string, zones []string) {
	text, ok := files.read(p)
	if !ok {
		t.Errorf("file: %s is in no ConfigMap volume", p)
		return
	}
	zp := dns.NewZoneParser(strings.NewReader(text), zones[0], p)
	var soa bool
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		if _, isSOA := rr.(*dns.SOA); isSOA && slices.Contains(zones, rr.Header().Name) {
			soa = true
		}
	}
	if err := zp.Err(); err != nil {
		t.Errorf("file: %s: %v", p, err)
	} else if !soa {
		t.Errorf("file: %s has no SOA for %v", p, zones)
	}
}

// checkStore writes the store ConfigMap's files at their paths and loads
// them as trafficflow does, strictly: no warning is allowed either.
func checkStore(t *testing.T, cm *corev1.ConfigMap, v *corev1.ConfigMapVolumeSource, cf *corefile) {
	size := 0
	for k, d := range cm.Data {
		size += len(k) + len(d)
	}
	if size > configMapMax*9/10 {
		t.Errorf("ConfigMap %s: %d bytes, close to the 1 MiB limit", cm.Name, size)
	}
	if len(cm.BinaryData) > 0 {
		t.Errorf("ConfigMap %s: binaryData is not part of the store", cm.Name)
	}
	// With items, a key without one is silently left out of the volume.
	if len(v.Items) > 0 {
		for k := range cm.Data {
			if !slices.ContainsFunc(v.Items, func(it corev1.KeyToPath) bool { return it.Key == k }) {
				t.Errorf("ConfigMap %s: key %s has no items entry in the Deployment's store volume", cm.Name, k)
			}
		}
	}
	dir := t.TempDir()
	for p, d := range projection(cm, v) {
		f := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte(d), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zones := cf.trafficflow.zones
	if len(zones) == 0 {
		zones = cf.zones
	}
	store, probs := policyfile.Load(dir, policyfile.Options{Strict: true, Zones: zones})
	for _, p := range probs {
		t.Errorf("store: %s", p)
	}
	if len(store.Records) == 0 {
		t.Error("store: no policy records")
	}
	// What the plugin checks when it loads the store: without a GeoIP
	// database, no record may use a rule that needs the client's location.
	if cf.trafficflow.options["geoip"] == nil {
		for _, rec := range store.Records {
			for _, r := range rec.Ver.Document.Reachable() {
				if r.Type == policyfile.Geo || r.Type == policyfile.Geoproximity || r.Type == policyfile.Latency {
					t.Errorf("store: record %s: policy %s version %d has a %s rule, which needs a GeoIP database", rec.Name, rec.Policy, rec.Version, r.Type)
				}
			}
		}
	}
}

// checkGitSync checks that the store is in the checkout of a git-sync
// sidecar: a native sidecar (started, and probed, before CoreDNS) that
// writes the volume CoreDNS reads the store from, and whose link the store
// directory goes through.
func checkGitSync(t *testing.T, pod *corev1.PodSpec, c *corev1.Container, m *corev1.VolumeMount, vol *corev1.Volume, dir string) {
	if vol.EmptyDir == nil {
		t.Errorf("trafficflow: store %s is on volume %s, not an emptyDir", dir, m.Name)
	}
	if !m.ReadOnly {
		t.Errorf("container coredns: mount %s is not read-only", m.MountPath)
	}
	var gs *corev1.Container
	for i := range pod.InitContainers {
		if strings.Contains(pod.InitContainers[i].Image, "/git-sync:v4.") {
			gs = &pod.InitContainers[i]
		}
	}
	if gs == nil {
		t.Fatal("no git-sync v4 init container")
	}
	if gs.RestartPolicy == nil || *gs.RestartPolicy != corev1.ContainerRestartPolicyAlways {
		t.Error("container git-sync: not a native sidecar (restartPolicy Always)")
	}
	if gs.StartupProbe == nil || gs.StartupProbe.HTTPGet == nil {
		t.Error("container git-sync: no HTTP startup probe, so CoreDNS could start before the first sync")
	} else if bind := flag(gs, "--http-bind"); bind == "" || resolvePort(gs, gs.StartupProbe.HTTPGet.Port, corev1.ProtocolTCP) != strings.TrimPrefix(bind, ":") {
		t.Errorf("container git-sync: startup probe port %v, --http-bind %q", gs.StartupProbe.HTTPGet.Port.String(), bind)
	}
	var gm *corev1.VolumeMount
	for i := range gs.VolumeMounts {
		if gs.VolumeMounts[i].Name == m.Name {
			gm = &gs.VolumeMounts[i]
		}
	}
	if gm == nil || gm.ReadOnly {
		t.Fatalf("container git-sync: does not write volume %s", m.Name)
	}
	if !slices.ContainsFunc(gs.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" && !m.ReadOnly }) {
		t.Error("container git-sync: no writable /tmp (its HOME) beside the read-only root filesystem")
	}
	root, link := flag(gs, "--root"), flag(gs, "--link")
	if root == "" || link == "" {
		t.Fatalf("container git-sync: --root %q, --link %q: want both", root, link)
	}
	if !path.IsAbs(link) {
		link = path.Join(root, link)
	}
	if !under(root, gm.MountPath) || !under(link, gm.MountPath) || link == gm.MountPath {
		t.Fatalf("container git-sync: --root %s, --link %s, not in volume %s at %s", root, link, m.Name, gm.MountPath)
	}
	// The link as CoreDNS sees it, and the store below it.
	seen := path.Join(m.MountPath, strings.TrimPrefix(link, gm.MountPath))
	if dir != seen && !under(dir, seen) {
		t.Errorf("trafficflow: store %s is not through git-sync's link (%s in container coredns)", dir, seen)
	}
}

// flag returns the value of a --name=value argument.
func flag(c *corev1.Container, name string) string {
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// corefile is what the test needs to know of a Corefile.
type corefile struct {
	keys   []string
	port   string
	zones  []string            // fully qualified
	tokens map[string][]string // the directives' tokens
	// trafficflow is its directive.
	trafficflow struct {
		dir     string
		zones   []string
		options map[string][]string
	}
}

// corefileOf returns the Corefile a build's Deployment runs.
func corefileOf(t *testing.T, objs *objects) string {
	t.Helper()
	pod := &objs.deployment.Spec.Template.Spec
	c := coredns(t, pod)
	fs := containerFSOf(objs, pod, c)
	i := slices.Index(c.Args, "-conf")
	if i < 0 || i+1 >= len(c.Args) {
		t.Fatalf("container coredns: args %q have no -conf FILE", c.Args)
	}
	text, ok := fs.read(c.Args[i+1])
	if !ok {
		t.Fatalf("container coredns: -conf %s is in no ConfigMap volume it mounts", c.Args[i+1])
	}
	return text
}

// parseCorefile parses a Corefile with CoreDNS's parser, allowing only the
// directives cmd/coredns compiles in: one server block with the directives
// the deployment needs.
func parseCorefile(t *testing.T, text string) *corefile {
	t.Helper()
	blocks, err := caddyfile.Parse("Corefile", strings.NewReader(text), directives(t))
	if err != nil {
		t.Fatalf("Corefile: %v", err)
	}
	if len(blocks) != 1 {
		t.Fatalf("Corefile: %d server blocks, want 1", len(blocks))
	}
	b := blocks[0]
	cf := &corefile{keys: b.Keys, tokens: map[string][]string{}}
	for _, k := range b.Keys {
		host, port, err := net.SplitHostPort(strings.TrimPrefix(k, "dns://"))
		if err != nil {
			t.Fatalf("Corefile: server %s: %v (want ZONE:PORT)", k, err)
		}
		if cf.port != "" && port != cf.port {
			t.Fatalf("Corefile: servers on ports %s and %s", cf.port, port)
		}
		cf.port = port
		cf.zones = append(cf.zones, dns.Fqdn(strings.ToLower(host)))
	}
	for d, toks := range b.Tokens {
		for _, tok := range toks {
			cf.tokens[d] = append(cf.tokens[d], tok.Text)
		}
	}
	for _, d := range []string{"errors", "health", "ready", "prometheus", "reload", "trafficflow", "cache"} {
		if cf.tokens[d] == nil {
			t.Errorf("Corefile: no %s", d)
		}
	}
	tf := &cf.trafficflow
	tf.options = map[string][]string{}
	disp := caddyfile.NewDispenserTokens("Corefile", b.Tokens["trafficflow"])
	for n := 0; disp.Next(); n++ {
		if n > 0 {
			t.Fatal("Corefile: trafficflow twice")
		}
		args := disp.RemainingArgs()
		if len(args) == 0 {
			t.Fatal("Corefile: trafficflow without a directory")
		}
		tf.dir = args[0]
		for _, z := range args[1:] {
			tf.zones = append(tf.zones, dns.Fqdn(strings.ToLower(z)))
		}
		for disp.NextBlock() {
			o := disp.Val()
			if _, ok := tf.options[o]; ok {
				t.Errorf("Corefile: trafficflow option %s twice", o)
			}
			tf.options[o] = append([]string{}, disp.RemainingArgs()...)
		}
	}
	if !path.IsAbs(tf.dir) {
		t.Errorf("Corefile: trafficflow directory %s is not absolute", tf.dir)
	}
	return cf
}

// listen returns the port a plugin's address (its first argument) listens
// on.
func (cf *corefile) listen(t *testing.T, directive string) string {
	t.Helper()
	toks := cf.tokens[directive]
	if len(toks) < 2 {
		t.Errorf("Corefile: %s has no address", directive)
		return ""
	}
	host, port, err := net.SplitHostPort(toks[1])
	if err != nil {
		t.Errorf("Corefile: %s %s: %v", directive, toks[1], err)
	}
	if host != "" {
		t.Errorf("Corefile: %s listens on %s only: the kubelet probes and Prometheus scrapes the pod's address", directive, host)
	}
	return port
}

// directives returns the directives cmd/coredns compiles in: its plugin
// imports, named by the import's trailing `// directive "NAME"` comment
// where the package is named otherwise.
func directives(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../cmd/coredns/main.go", nil, parser.ImportsOnly|parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`directive "([a-z0-9_]+)"`)
	var out []string
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		switch {
		case imp.Comment != nil && named.MatchString(imp.Comment.Text()):
			out = append(out, named.FindStringSubmatch(imp.Comment.Text())[1])
		case strings.HasPrefix(p, "github.com/coredns/coredns/plugin/"):
			out = append(out, path.Base(p))
		case p == "github.com/trafficflow/trafficflow":
			out = append(out, "trafficflow")
		}
	}
	if !slices.Contains(out, "trafficflow") || !slices.Contains(out, "prometheus") {
		t.Fatalf("cmd/coredns/main.go: directives %v", out)
	}
	return out
}

func unionKeys[V any](a, b map[string]V) []string {
	var out []string
	for k := range a {
		out = append(out, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// stage is one stage of a Dockerfile: its name (FROM IMAGE AS NAME) and
// its instructions' arguments by instruction.
type stage struct {
	name  string
	instr map[string][]string
}

// dockerfile reads a Dockerfile's stages (comments dropped, continued lines
// joined).
func dockerfile(t *testing.T, name string) []stage {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stages []stage
	var line string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "#") || l == "" && line == "" {
			continue
		}
		if c, ok := strings.CutSuffix(l, "\\"); ok {
			line += c + " "
			continue
		}
		line += l
		instr, args, _ := strings.Cut(strings.TrimSpace(line), " ")
		instr, args = strings.ToUpper(instr), strings.Join(strings.Fields(args), " ")
		line = ""
		if instr == "FROM" {
			f := strings.Fields(args)
			st := stage{instr: map[string][]string{}}
			if n := len(f); n >= 3 && strings.EqualFold(f[n-2], "AS") {
				st.name = f[n-1]
			}
			stages = append(stages, st)
		}
		if len(stages) == 0 {
			if instr != "ARG" {
				t.Fatalf("%s: %s before FROM", name, instr)
			}
			continue
		}
		st := &stages[len(stages)-1]
		st.instr[instr] = append(st.instr[instr], args)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}
