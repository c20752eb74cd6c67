package policyfile

import (
	"os"
	"testing"
)

func TestS3WebsiteHost(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":      "s3-website-us-east-1.amazonaws.com.",
		"eu-west-1":      "s3-website-eu-west-1.amazonaws.com.",
		"us-gov-west-1":  "s3-website-us-gov-west-1.amazonaws.com.",
		"us-east-2":      "s3-website.us-east-2.amazonaws.com.",
		"eu-central-1":   "s3-website.eu-central-1.amazonaws.com.",
		"ap-south-1":     "s3-website.ap-south-1.amazonaws.com.",
		"cn-northwest-1": "s3-website.cn-northwest-1.amazonaws.com.cn.",
	} {
		if got := S3WebsiteHost(region); got != want {
			t.Errorf("S3WebsiteHost(%s) = %s, want %s", region, got, want)
		}
	}
}

// An s3-website endpoint given as a bare bucket name resolves through its
// region's website host; a full website host is resolved as given.
func TestS3WebsiteEndpoint(t *testing.T) {
	doc := func(value, region string) string {
		return `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartEndpoint":"s3",
			"Endpoints":{"s3":{"Type":"s3-website","Region":"` + region + `","Value":"` + value + `"}}}`
	}
	for _, tc := range []struct {
		value, region  string
		bucket, target string
		want           []string
	}{
		{"video.example.com", "us-east-1", "video.example.com", "s3-website-us-east-1.amazonaws.com.", nil},
		{"Video.Example.com.", "eu-central-1", "video.example.com", "s3-website.eu-central-1.amazonaws.com.", nil},
		{"example.com.s3-website-us-east-1.amazonaws.com", "us-east-1", "example.com", "example.com.s3-website-us-east-1.amazonaws.com.", nil},
		{"www.example.com.s3-website.eu-central-1.amazonaws.com", "eu-central-1", "www.example.com", "www.example.com.s3-website.eu-central-1.amazonaws.com.", nil},
		{"s3-website-us-west-2.amazonaws.com", "us-west-2", "", "s3-website-us-west-2.amazonaws.com.", nil},
		{"media.example.cn.s3-website.cn-north-1.amazonaws.com.cn", "cn-north-1", "media.example.cn", "media.example.cn.s3-website.cn-north-1.amazonaws.com.cn.", nil},
		// A bucket that merely contains "s3-website" is a bucket.
		{"s3-website-notes.example.com", "us-east-1", "s3-website-notes.example.com", "s3-website-us-east-1.amazonaws.com.", nil},
		{"example.com.s3-website-us-east-1.amazonaws.com", "us-west-2", "example.com", "example.com.s3-website-us-east-1.amazonaws.com.",
			[]string{`Endpoints.s3.Region: warning: "us-west-2" is not the region of the website host "example.com.s3-website-us-east-1.amazonaws.com" (us-east-1); the host is resolved as given`}},
	} {
		t.Run(tc.value+" "+tc.region, func(t *testing.T) {
			d, probs := ParseDocument([]byte(doc(tc.value, tc.region)), false, false)
			var got []string
			for _, p := range probs {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
				t.Fatalf("problems %q, want %q", got, tc.want)
			}
			e := d.endpoints["s3"]
			if e.Bucket != tc.bucket || e.Target != tc.target {
				t.Errorf("bucket %q target %q, want %q %q", e.Bucket, e.Target, tc.bucket, tc.target)
			}
		})
	}
}

// AWS's own combined example, bound at the bucket's name as S3 requires,
// is valid in strict mode, and its s3-website endpoint resolves through
// the region's website host: no loop, no warning.
func TestS3WebsiteRealWorld(t *testing.T) {
	doc, err := os.ReadFile("testdata/realworld/aws-geo-latency-failover-s3.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"video.example.com", "www.example.com"} {
		dir := writeStore(t, map[string]string{"policies/video/1.json": string(doc), "records.json": records(rec(name, "video", 1))})
		s, probs := Load(dir, Options{Strict: true, Zones: []string{"example.com."}})
		if name == "www.example.com" {
			// Any other name: S3 would not serve the bucket there.
			want := `records.json: PolicyRecords[0].Name: s3-website endpoint "s3_video" of policy "video" version 1 is bucket "video.example.com", but S3 serves a website only under its bucket's name (www.example.com); name the bucket after the record`
			if len(probs) != 1 || probs[0].String() != want {
				t.Errorf("%s: %v", name, probs)
			}
			continue
		}
		if len(probs) != 0 {
			t.Fatalf("%s: %v", name, probs)
		}
		if e := s.records["video.example.com."].Ver.Document.endpoints["s3_video"]; e.Target != "s3-website-us-east-1.amazonaws.com." {
			t.Errorf("target %s", e.Target)
		}
	}
}

// An s3-website endpoint whose bucket is not named after the record that
// serves it is a warning.
func TestS3BucketName(t *testing.T) {
	s3 := `{"AWSPolicyFormatVersion":"2015-10-01","RecordType":"A","StartRule":"r","Endpoints":{
		"lb":{"Type":"application-load-balancer","Value":"alb.us-east-1.elb.amazonaws.com"},
		"banner":{"Type":"s3-website","Region":"us-east-1","Value":"video.example.com.s3-website-us-east-1.amazonaws.com"}},
		"Rules":{"r":{"RuleType":"failover","Primary":{"EndpointReference":"lb"},"Secondary":{"EndpointReference":"banner"}}}}`
	runStoreCases(t, []storeCase{
		{name: "mismatch", files: map[string]string{"policies/site/1.json": s3, "records.json": records(rec("www.example.com", "site", 1))},
			want: []string{`records.json: PolicyRecords[0].Name: warning: s3-website endpoint "banner" of policy "site" version 1 is bucket "video.example.com", but S3 serves a website only under its bucket's name (www.example.com)`}},
		{name: "match", files: map[string]string{"policies/site/1.json": s3, "records.json": records(rec("video.example.com", "site", 1))}},
	})
}
