// Command k8sbox is a multi-call binary: "k8sbox <component> flags..." or a symlink named after the
// component. One link instead of six saves build time and disk; only the selected component's
// constructor runs, because each registers process-global flags and metrics.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata" // CronJob time zones, as upstream kube-apiserver and KCM mains do

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcm "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kwokconfig "sigs.k8s.io/kwok/pkg/config"
	kwokcmd "sigs.k8s.io/kwok/pkg/kwok/cmd"
	kwoklog "sigs.k8s.io/kwok/pkg/log"
	kwoksignals "sigs.k8s.io/kwok/pkg/utils/signals"
)

const usage = "usage: k8sbox etcd|kube-apiserver|kube-controller-manager|kube-scheduler|kubectl|kwok [flags...]"

func main() {
	name, args := filepath.Base(os.Args[0]), os.Args[1:]
	if name == "k8sbox" {
		if len(args) == 0 {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		name, args = args[0], args[1:]
	}
	// cobra (Execute without SetArgs), etcdmain and kwok's config.InitFlags all read os.Args.
	os.Args = append([]string{name}, args...)
	switch name {
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(kcm.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubectl":
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) //nolint:errcheck
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "etcd":
		etcdmain.Main(os.Args)
	case "kwok":
		runKwok()
	default:
		fmt.Fprintf(os.Stderr, "k8sbox: unknown component %q\n%s\n", name, usage)
		os.Exit(2)
	}
}

// runKwok mirrors sigs.k8s.io/kwok@v0.8.0/cmd/kwok/main.go.
func runKwok() {
	// The Kubernetes packages linked in here register a global --version flag of their own type
	// (component-base verflag); cobra merges the global set into kwok's command and then fails with
	// "trying to get bool value of flag of type version". kwok's own binary has no such global flag.
	global := pflag.CommandLine
	pflag.CommandLine = pflag.NewFlagSet(os.Args[0], pflag.ExitOnError)
	global.VisitAll(func(f *pflag.Flag) {
		if f.Name != "version" {
			pflag.CommandLine.AddFlag(f)
		}
	})
	fs := pflag.NewFlagSet("global", pflag.ContinueOnError)
	fs.ParseErrorsAllowlist.UnknownFlags = true
	fs.Usage = func() {}
	ctx := kwoksignals.SetupSignalContext()
	ctx, logger := kwoklog.InitFlags(ctx, fs)
	ctx, err := kwokconfig.InitFlags(ctx, fs)
	if err != nil {
		_, _ = os.Stderr.Write([]byte(fs.FlagUsages()))
		logger.Error("Init config flags", "err", err)
		os.Exit(1)
	}
	c := kwokcmd.NewCommand(ctx)
	c.PersistentFlags().AddFlagSet(fs)
	if err := c.ExecuteContext(ctx); err != nil {
		logger.Error("Execute exit", "err", err)
		os.Exit(1)
	}
}
