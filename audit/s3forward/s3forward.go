// Package s3forward forwards the audit trail to an S3 bucket: each batch
// of events becomes one object of JSON lines (stint events, or OCSF
// events), keyed by the time of its first event and its first place in
// the chain:
//
//	PREFIX2026/11/30/14/00000000000000012345.jsonl
//
// A batch sent again after a failure starts at the same place and so
// overwrites the same key (with the same events, and perhaps more): the
// bucket holds every event, in chain order by key, without repeats
// across objects of one destination. Each object's metadata gives its
// first and last seq and its event count.
package s3forward

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
)

// Destination is an audit.Destination that writes batches to a bucket.
type Destination struct {
	DestName string
	Client   *s3.Client
	Bucket   string
	// Prefix starts every key, e.g. "stint/prod/"; "" for none.
	Prefix   string
	Format   audit.Format // jsonl (default) or ocsf
	Subjects *audit.Subjects
}

var _ audit.Destination = (*Destination)(nil)

// Name implements audit.Destination.
func (d *Destination) Name() string { return d.DestName }

// Key returns the object key of a batch whose first event is first.
func Key(prefix string, f audit.Format, first *stint.Event) string {
	return prefix + first.Time.UTC().Format("2006/01/02/15/") + fmt.Sprintf("%020d", first.Seq) + "." + cmp.Or(f, audit.FormatJSONL).Ext()
}

// Send implements audit.Destination: it puts the batch as one object.
func (d *Destination) Send(ctx context.Context, events []*stint.Event) error {
	f := cmp.Or(d.Format, audit.FormatJSONL)
	body, err := audit.Encode(ctx, f, d.Subjects, events)
	if err != nil {
		return err
	}
	key := Key(d.Prefix, f, events[0])
	_, err = d.Client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(d.Bucket), Key: aws.String(key), Body: bytes.NewReader(body),
		ContentType: aws.String(f.ContentType()),
		Metadata: map[string]string{
			"stint-first-seq": strconv.FormatInt(events[0].Seq, 10),
			"stint-last-seq":  strconv.FormatInt(events[len(events)-1].Seq, 10),
			"stint-events":    strconv.Itoa(len(events)),
		},
	})
	if err != nil {
		return stint.Errorf(stint.EUNAVAILABLE, "put s3://%s/%s: %v", d.Bucket, key, err)
	}
	return nil
}
