package policyfile

import (
	"fmt"
	"strings"

	"github.com/trafficflow/trafficflow/internal/jsontree"
)

// S3 website endpoints.
//
// An s3-website endpoint names a bucket configured as a website. Route 53
// aliases it to the website endpoint of the bucket's region, and S3 picks
// the bucket by the HTTP Host header, which is why a bucket must be named
// after the record that serves it. AWS's own examples give the endpoint's
// Value either as the bare bucket name ("video.example.com", with Region
// "us-east-1") or as the bucket's full website host
// ("video.example.com.s3-website-us-east-1.amazonaws.com").
//
// Regions use one of two host forms: the older regions
// s3-website-REGION.amazonaws.com (dash), every other region
// s3-website.REGION.amazonaws.com (dot); the China regions end in
// amazonaws.com.cn. s3WebsiteDashRegions is the one place that says which.

// s3WebsiteDashRegions are the regions whose website endpoint is
// s3-website-REGION (AWS General Reference, "Amazon S3 website endpoints").
var s3WebsiteDashRegions = map[string]bool{
	"us-east-1":      true,
	"us-west-1":      true,
	"us-west-2":      true,
	"us-gov-west-1":  true,
	"ap-southeast-1": true,
	"ap-southeast-2": true,
	"ap-northeast-1": true,
	"eu-west-1":      true,
	"sa-east-1":      true,
}

// S3WebsiteHost returns the fully qualified S3 website endpoint host of a
// region, such as s3-website-us-east-1.amazonaws.com. (dash form) or
// s3-website.eu-central-1.amazonaws.com. (dot form).
func S3WebsiteHost(region string) string {
	suffix := ".amazonaws.com."
	if strings.HasPrefix(region, "cn-") {
		suffix = ".amazonaws.com.cn."
	}
	if s3WebsiteDashRegions[region] {
		return "s3-website-" + region + suffix
	}
	return "s3-website." + region + suffix
}

// s3Website reads the Value of an s3-website endpoint (a valid host name,
// lower case and fully qualified). A full website endpoint host is
// resolved as given; the bucket is what precedes its s3-website label
// (empty for a bare regional host), and hostRegion the region it names. A
// bare bucket name resolves through the region's website endpoint host.
func s3Website(value, region string) (bucket, target, hostRegion string) {
	labels := strings.Split(strings.TrimSuffix(value, "."), ".")
	for i, l := range labels {
		var rest []string
		switch {
		case l == "s3-website" && i+1 < len(labels):
			hostRegion, rest = labels[i+1], labels[i+2:]
		case strings.HasPrefix(l, "s3-website-"):
			hostRegion, rest = strings.TrimPrefix(l, "s3-website-"), labels[i+1:]
		default:
			continue
		}
		if tail := strings.Join(rest, "."); tail != "amazonaws.com" && tail != "amazonaws.com.cn" {
			continue
		}
		return strings.Join(labels[:i], "."), value, hostRegion
	}
	return strings.TrimSuffix(value, "."), S3WebsiteHost(region), ""
}

// s3WebsiteTarget sets the bucket and the host to resolve of an s3-website
// endpoint whose Target and Region are read.
func s3WebsiteTarget(dec *decoder, p *jsontree.Path, e *Endpoint) {
	bucket, target, hostRegion := s3Website(e.Target, e.Region)
	e.Bucket, e.Target = bucket, target
	if hostRegion != "" && hostRegion != e.Region {
		dec.warn(p.Key("Region"), fmt.Sprintf("%q is not the region of the website host %q (%s)", e.Region, e.Value, hostRegion),
			"the host is resolved as given", fmt.Sprintf("write %q", hostRegion))
	}
}
