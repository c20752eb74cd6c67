package policydiff

import (
	"github.com/trafficflow/trafficflow/evaluate"
	"github.com/trafficflow/trafficflow/policyfile"
)

// Options tune Compare.
type Options struct {
	// BiasFormula applies to negative geoproximity biases, as the
	// directive's bias_formula.
	BiasFormula evaluate.BiasFormula
}

// Compare tells what version b of policy changes from version a.
func Compare(policy string, a, b *policyfile.Version, opts Options) (*Diff, error) {
	d := &Diff{Policy: policy, Old: versionOf(a), New: versionOf(b)}
	d.Structure = compareStructure(a.Document, b.Document)
	im, err := compareImpact(a.Document, b.Document, opts)
	if err != nil {
		return nil, err
	}
	d.Impact = im
	return d, nil
}

func versionOf(v *policyfile.Version) Version {
	where := v.File
	if v.Path != "" {
		where += ": " + v.Path
	}
	return Version{Version: v.Number, Comment: v.Comment, Where: where, FormatVersion: v.Document.FormatVersion,
		RecordType: recordType(v.Document), Start: start(v.Document)}
}
