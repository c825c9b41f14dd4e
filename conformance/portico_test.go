// The official Gateway API conformance suite, run unmodified against Portico. This file only chooses
// options: which tests Portico answers for (the features it claims, from PORTICO_SUPPORTED_FEATURES,
// written by conformance/run.ts from src/api/features.ts) and who is being tested. Everything else is
// the suite's own flags (--gateway-class, --conformance-profiles, --run-test, --report-output, …).
package conformance

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/gateway-api/conformance"
	confv1 "sigs.k8s.io/gateway-api/conformance/apis/v1"
	"sigs.k8s.io/gateway-api/conformance/tests"
	"sigs.k8s.io/gateway-api/pkg/features"
)

func TestPortico(t *testing.T) {
	opts := conformance.DefaultOptions(t)

	claimed := map[features.FeatureName]bool{}
	for _, name := range strings.Split(os.Getenv("PORTICO_SUPPORTED_FEATURES"), ",") {
		if name = strings.TrimSpace(name); name != "" {
			claimed[features.FeatureName(name)] = true
		}
	}
	if len(claimed) == 0 && opts.RunTest == "" {
		t.Fatal("PORTICO_SUPPORTED_FEATURES is empty: run the suite through `npm run conformance`, which sets it from src/api/features.ts")
	}
	if len(claimed) > 0 {
		opts.SupportedFeatures = nil
		for name := range claimed {
			opts.SupportedFeatures = append(opts.SupportedFeatures, name)
		}
		// A profile turns on its core features (TLSRoute, TCPRoute, …) whether Portico claims them or not.
		// Tests of features Portico does not claim are skipped, so the report shows them as such and CI
		// fails only on what Portico says it supports.
		// --run-test runs the named test whatever its features (the suite bypasses feature checks for it),
		// so a feature can be tried before it is claimed.
		for _, ct := range tests.ConformanceTests {
			if opts.RunTest != "" {
				break
			}
			for _, f := range ct.Features {
				if !claimed[f] {
					opts.SkipTests = append(opts.SkipTests, ct.ShortName)
					break
				}
			}
		}
	}

	if opts.Implementation.Organization == "" {
		opts.Implementation = confv1.Implementation{
			Organization: "portico",
			Project:      "portico",
			URL:          "https://github.com/portico/portico",
			Version:      os.Getenv("PORTICO_VERSION"),
			Contact:      []string{"@portico/maintainers"},
		}
	}
	conformance.RunConformanceWithOptions(t, opts)
}
