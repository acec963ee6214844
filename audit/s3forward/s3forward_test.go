package s3forward_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/stint-dev/stint"
	"github.com/stint-dev/stint/audit"
	"github.com/stint-dev/stint/audit/s3forward"
	"github.com/stint-dev/stint/internal/motoserver"
	"github.com/stint-dev/stint/store/sqlite"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// TestForwardToS3: moto's S3 behind a gate that is down for a while, then
// up; the bucket ends up with one object per acknowledged batch, keyed by
// time and first seq, that read back to every event once, in order.
func TestForwardToS3(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	moto := motoserver.StartWith(t, motoserver.Options{NoManagedPolicies: true})
	target, err := url.Parse(moto.URL())
	require.NoError(t, err)
	var down atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(target)
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() > 0 {
			down.Add(-1)
			http.Error(w, "<Error><Code>ServiceUnavailable</Code></Error>", http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	direct := s3.NewFromConfig(moto.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
	_, err = direct.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("stint-audit")})
	require.NoError(t, err)
	gated := s3.NewFromConfig(motoserver.AWSConfig(gate.URL), func(o *s3.Options) {
		o.UsePathStyle = true
		o.RetryMaxAttempts = 1 // the forwarder retries, on its next run
	})

	s := sqlite.OpenTest(t)
	require.NoError(t, s.Tx(ctx, func(tx stint.Tx) error {
		for k := 1; k <= 25; k++ {
			// 09:00 to 10:12: the batches fall into two hours.
			err := tx.EventAppend(ctx, &stint.Event{ID: fmt.Sprintf("e-%03d", k), Time: t0.Add(time.Duration(k*3) * time.Minute),
				Actor: "alice@example.com", Type: stint.EventRequestCreated, Subject: fmt.Sprintf("r-%d", k)})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	f := &audit.Forwarder{Store: s, Batch: 10, Destinations: []audit.Destination{
		&s3forward.Destination{DestName: "archive", Client: gated, Bucket: "stint-audit", Prefix: "prod/"}}}
	down.Store(2)
	for range 2 {
		err := f.Run(ctx)
		require.Equal(t, stint.EUNAVAILABLE, stint.ErrorCode(err), "err: %v", err)
	}
	require.NoError(t, f.Run(ctx))
	require.NoError(t, f.Run(ctx), "caught up: nothing more to put")

	list, err := direct.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("stint-audit")})
	require.NoError(t, err)
	var keys []string
	var seqs []int64
	for _, o := range list.Contents {
		keys = append(keys, *o.Key)
		obj, err := direct.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("stint-audit"), Key: o.Key})
		require.NoError(t, err)
		sc := bufio.NewScanner(obj.Body)
		var first, last int64
		for sc.Scan() {
			var e stint.Event
			require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
			if first == 0 {
				first = e.Seq
			}
			last = e.Seq
			seqs = append(seqs, e.Seq)
		}
		_, _ = io.Copy(io.Discard, obj.Body)
		require.NoError(t, obj.Body.Close())
		require.Equal(t, fmt.Sprint(first), obj.Metadata["stint-first-seq"])
		require.Equal(t, fmt.Sprint(last), obj.Metadata["stint-last-seq"])
		require.Equal(t, "application/x-ndjson", aws.ToString(obj.ContentType))
	}
	require.Equal(t, []string{
		"prod/2026/11/30/09/00000000000000000001.jsonl",
		"prod/2026/11/30/09/00000000000000000011.jsonl",
		"prod/2026/11/30/10/00000000000000000021.jsonl",
	}, keys)
	var want []int64
	for k := int64(1); k <= 25; k++ {
		want = append(want, k)
	}
	require.Equal(t, want, seqs, "every event once, in chain order by key")
	cursors, err := s.ForwardCursorList(ctx)
	require.NoError(t, err)
	require.EqualValues(t, 25, cursors[0].Seq)
}
