package iam

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// oddPolicy is a trust policy as people write them: an Id before the
// Version, indentation, a Principal given as a string in one statement and
// as a list in another, members out of the usual order, a Condition, and
// characters that URL encoding and JSON escaping both touch.
const oddPolicy = `{
  "Id": "hand written",   "Version" : "2012-10-17",
  "Statement": [
    {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
    {
      "Action" : [ "sts:AssumeRole" ],
      "Sid": "CI",
      "Condition": {"StringEquals": {"sts:ExternalId": "a+b c/d%e\u00e9<&>"}},
      "Principal": {"AWS": ["arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:role/ci"]},
      "Effect": "Allow"
    }
  ]
}`

func TestPolicyKeepsOtherStatementsByteForByte(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, text string
	}{
		{"plain JSON", oddPolicy},
		{"URL-encoded as GetRole answers", url.PathEscape(oddPolicy)},
		{"URL-encoded with QueryEscape's %20", strings.ReplaceAll(url.QueryEscape(oddPolicy), "+", "%20")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := decodePolicy(tc.text)
			require.NoError(t, err)
			require.Len(t, doc.statements, 2)
			before := []string{string(doc.statements[0]), string(doc.statements[1])}
			require.True(t, strings.HasPrefix(before[1], `{`+"\n"+`      "Action" : [ "sts:AssumeRole" ],`), before[1])

			// Add stint's statement, encode, decode: the others are the same bytes.
			const sid = "StintAbc"
			require.True(t, doc.put(sid, json.RawMessage(`{"Sid":"StintAbc","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:role/x"},"Action":"sts:AssumeRole"}`)))
			again, err := parsePolicy(doc.encode())
			require.NoError(t, err)
			require.Len(t, again.statements, 3)
			require.Equal(t, before, []string{string(again.statements[0]), string(again.statements[1])})
			require.Equal(t, []member{{"Id", json.RawMessage(`"hand written"`)}, {"Version", json.RawMessage(`"2012-10-17"`)}},
				again.members[:2])

			// Remove it again: the document holds the same values as at first.
			require.True(t, again.remove(sid))
			require.False(t, again.remove(sid))
			require.JSONEq(t, oddPolicy, string(again.encode()))
			require.Equal(t, before, []string{string(again.statements[0]), string(again.statements[1])})
		})
	}
}

func TestPolicyWithOneStatementObject(t *testing.T) {
	t.Parallel()
	const single = `{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}, "Version": "2012-10-17"}`
	doc, err := decodePolicy(single)
	require.NoError(t, err)
	require.Len(t, doc.statements, 1)
	doc.put("StintX", json.RawMessage(`{"Sid":"StintX"}`))
	require.Equal(t, `{"Statement":[{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},{"Sid":"StintX"}],"Version":"2012-10-17"}`,
		string(doc.encode()))
}

func TestPolicyPutIsIdempotent(t *testing.T) {
	t.Parallel()
	doc, err := decodePolicy(oddPolicy)
	require.NoError(t, err)
	st := json.RawMessage(`{"Sid":"StintA","Effect":"Allow"}`)
	require.True(t, doc.put("StintA", st))
	require.False(t, doc.put("StintA", json.RawMessage(`{ "Effect" : "Allow", "Sid": "StintA" }`)), "the same value, spelt differently")
	require.True(t, doc.put("StintA", json.RawMessage(`{"Sid":"StintA","Effect":"Deny"}`)))
	require.Len(t, doc.statements, 3)
	require.Equal(t, `{"Sid":"StintA","Effect":"Deny"}`, string(doc.statements[2]))
	require.Len(t, doc.others("StintA"), 2)
}

func TestPolicyRejectsWhatItCannotEdit(t *testing.T) {
	t.Parallel()
	for _, text := range []string{
		``, `[]`, `{"Statement": "x"}`, `{"Statement": [1]}`, `{"Statement": [{}], "Statement": []}`,
		`{"Statement": []} trailing`, `%zz`, `{"Statement": [{}]`,
	} {
		_, err := decodePolicy(text)
		require.Error(t, err, "%q", text)
	}
	doc, err := decodePolicy(`{"Version":"2012-10-17"}`)
	require.NoError(t, err, "no Statement: one is added")
	doc.put("StintA", json.RawMessage(`{"Sid":"StintA"}`))
	require.Equal(t, `{"Version":"2012-10-17","Statement":[{"Sid":"StintA"}]}`, string(doc.encode()))
}

func TestPolicySizeIgnoresWhiteSpaceBetweenTokens(t *testing.T) {
	t.Parallel()
	doc, err := parsePolicy([]byte("{ \"Version\" : \"2012-10-17\",\n \"Statement\": [ {\"Sid\": \"a b\"} ] }"))
	require.NoError(t, err)
	require.Equal(t, len(`{"Version":"2012-10-17","Statement":[{"Sid":"a b"}]}`), doc.size())
}

func TestPolicyCloneAndCompare(t *testing.T) {
	t.Parallel()
	doc, err := decodePolicy(oddPolicy)
	require.NoError(t, err)
	edited := doc.clone()
	edited.put("StintA", json.RawMessage(`{"Sid":"StintA"}`))
	require.Len(t, doc.statements, 2, "the original is not changed")
	require.False(t, sameStatements(doc.statements, edited.statements))

	reformatted, err := parsePolicy([]byte(`{"Statement":[
		{"Action":"sts:AssumeRole","Principal":{"Service":"ec2.amazonaws.com"},"Effect":"Allow"},
		{"Sid":"CI","Effect":"Allow","Action":["sts:AssumeRole"],
		 "Principal":{"AWS":["arn:aws:iam::111111111111:root","arn:aws:iam::222222222222:role/ci"]},
		 "Condition":{"StringEquals":{"sts:ExternalId":"a+b c/d%e\u00e9<&>"}}}]}`))
	require.NoError(t, err)
	require.True(t, sameStatements(doc.statements, reformatted.statements), "white space and member order aside")
	reformatted.statements[0], reformatted.statements[1] = reformatted.statements[1], reformatted.statements[0]
	require.False(t, sameStatements(doc.statements, reformatted.statements), "statement order counts")
}
