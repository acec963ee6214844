// Command bench measures stint against a local moto_server and prints
// figures and ratios (it asserts nothing):
//
//   - expiry lateness: 1,000 grants ending within the same second, from each
//     grant's end to its revocation being handed to the Identity Center
//     limiter (p50/p99/max), and when the last DeleteAccountAssignment was
//     issued at AWS's real limit (20 calls/s) against the 50 s floor;
//   - request submission throughput over HTTP with policy checks and events;
//   - the Identity Center call rate achieved under the limiter while granting
//     500 assignments, against the 20/s limit;
//   - policy decisions (p50/p99, decisions/s on one core) and who-can over
//     500 flows and 10,000 users (alone, without moto: -policy-only);
//   - identity as code against Terraform 1.11 (alone: -identity-only):
//     applying 500 assignments (stint at 20/s against the 25 s floor, and
//     with the limiter off) and a no-change plan (wall time and calls);
//   - identity as code at scale (alone: -scale-only): `stint plan` for 1,000
//     accounts x 20 permission sets x 50 groups (24,166 assignments) with no
//     change and with a small one: wall time by phase, calls by operation,
//     the listing strategy against the other's estimate and the minimum the
//     data needs, peak memory, and the projection at AWS's limits;
//   - the web portal (alone: -portal-only; needs no moto_server): the
//     admin grants list with 10,000 grants rendered server-side (p50/p99
//     by page and filter, against 50 ms), and the request page's transfer
//     size with its assets (gzipped and not, against 100 KB).
//
// Run it with `make bench`; PostgreSQL figures need STINT_BENCH_POSTGRES (a
// DSN of a server where it may create databases; scripts/bench.sh starts one).
//
// -discovery-only measures `stint discover` alone (bench/discovery.go): a
// scan of 200 accounts x 30 assignments + 20 IAM users each, with wall
// time, calls by service against the minimum the data needs, and peak
// memory; the full run measures it last.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

func main() {
	stores := flag.String("stores", "sqlite,postgres", "stores to measure")
	grants := flag.Int("expiry-grants", 1000, "grants ending in the same second")
	submits := flag.Int("submits", 3000, "requests submitted over HTTP")
	assign := flag.Int("assignments", 500, "assignments granted for the call-rate figure")
	policyOnly := flag.Bool("policy-only", false, "measure only the policy engine (needs no moto_server)")
	identityOnly := flag.Bool("identity-only", false, "measure only identity as code against Terraform")
	discoveryOnly := flag.Bool("discovery-only", false, "measure only stint discover (200 accounts x 30 assignments + 20 IAM users)")
	scaleOnly := flag.Bool("scale-only", false, "measure only identity as code at scale (plan for 1,000 accounts)")
	scaleUsers := flag.Int("scale-users", 500, "identity store users in the scale figure")
	resourcesOnly := flag.Bool("resources-only", false, "measure only resource-level access (discovery, grant and revoke per type)")
	auditOnly := flag.Bool("audit-only", false, "measure only the audit trail (append with the hash chain, verify a million events)")
	portalOnly := flag.Bool("portal-only", false, "measure only the web portal (needs no moto_server)")
	flag.Parse()
	const portalName = "web portal: grants list with 10,000 grants, request page transfer size"
	if *portalOnly {
		run(portalName, portalBench)
		return
	}
	const identityName = "identity as code: 500 assignments (10 accounts x 50 groups), stint vs Terraform"
	const resourcesName = "resource-level access: discovery across 50 accounts, grant and revoke per type (moto)"
	const scaleName = "identity as code at scale: plan for 1,000 accounts x 20 permission sets x 50 groups (moto)"
	scale := func() error { return scaleBench(*scaleUsers) }
	if *identityOnly {
		run(identityName, identityBench)
		return
	}
	if *scaleOnly {
		run(scaleName, scale)
		return
	}
	const discoveryName = "discovery: stint discover of 200 accounts x 30 assignments + 20 IAM users each (moto)"
	if *discoveryOnly {
		run(discoveryName, discoveryBench)
		return
	}
	if *resourcesOnly {
		run(resourcesName, resourcesBench)
		return
	}
	const auditName = "audit trail: append with the hash chain, verify 1,000,000 events"
	if *auditOnly {
		run(auditName, auditBench)
		return
	}
	run("policy engine: 500 flows, 10,000 users, 1,000 accounts, 50 permission sets", policyBench)
	run(portalName, portalBench)
	if *policyOnly {
		return
	}
	ctx := context.Background()
	b, err := newBench(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	defer b.close()
	for _, s := range strings.Split(*stores, ",") {
		dsn, ok := b.storeDSN(s)
		if !ok {
			fmt.Printf("\n(%s skipped: set STINT_BENCH_POSTGRES)\n", s)
			continue
		}
		run(fmt.Sprintf("expiry lateness (%s)", s), func() error { return b.expiry(ctx, s, dsn, *grants) })
		run(fmt.Sprintf("request submission over HTTP (%s)", s), func() error { return b.submissions(ctx, s, dsn, *submits) })
	}
	run("Identity Center call rate under the limiter (sqlite)", func() error {
		dsn, _ := b.storeDSN("sqlite")
		return b.callRate(ctx, dsn, *assign)
	})
	defer run(discoveryName, discoveryBench) // last: its seeding takes a while
	run(identityName, identityBench)
	run(resourcesName, resourcesBench)
	run(auditName, auditBench)
	run(scaleName, scale)
}

func run(name string, fn func() error) {
	fmt.Printf("\n== %s\n", name)
	start := time.Now()
	if err := fn(); err != nil {
		fmt.Printf("   FAILED: %v\n", err)
		return
	}
	fmt.Printf("   (took %s)\n", time.Since(start).Round(100*time.Millisecond))
}
