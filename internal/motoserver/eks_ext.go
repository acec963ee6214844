package motoserver

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// eksExt patches moto's EKS with access entries and access policies
// (Options.EKSExtensions). Test rig only; its header lists every patch.
//
//go:embed eks_ext.py
var eksExt []byte

// iamExt lets tests backdate IAM users, access keys, passwords and roles
// with tags (Options.IAMExtensions). Test rig only; its header says how.
//
//go:embed iam_ext.py
var iamExt []byte

// launcher starts moto_server after importing the patch modules next to it,
// each of which patches moto when imported.
const launcher = `import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
%s
from moto.server import main

sys.argv[0] = "moto_server"
sys.exit(main(sys.argv[1:]))
`

// launchCommand returns the command line (without -H and -p) that starts
// moto with the patch modules opts asks for, and the temporary directory
// that holds them, which the caller removes when the server stops.
// SSOAdminExtensions alone runs ssoadmin_ext.py as it always has.
func launchCommand(motoServer string, opts Options) (argv []string, dir string, err error) {
	if !opts.EKSExtensions && !opts.IAMExtensions {
		return extensionCommand(motoServer, opts.Env)
	}
	python, err := motoPython(motoServer, opts.Env)
	if err != nil {
		return nil, "", err
	}
	modules := map[string][]byte{}
	if opts.SSOAdminExtensions {
		modules["ssoadmin_ext"] = ssoadminExt
	}
	if opts.EKSExtensions {
		modules["eks_ext"] = eksExt
	}
	if opts.IAMExtensions {
		modules["iam_ext"] = iamExt
	}
	dir, err = os.MkdirTemp("", "stint-moto-")
	if err != nil {
		return nil, "", fmt.Errorf("moto extensions: %w", err)
	}
	var imports []string
	for _, name := range []string{"ssoadmin_ext", "eks_ext", "iam_ext"} {
		src, ok := modules[name]
		if !ok {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name+".py"), src, 0o600); err != nil {
			_ = os.RemoveAll(dir)
			return nil, "", fmt.Errorf("moto extensions: %w", err)
		}
		imports = append(imports, "import "+name+"  # noqa: F401 (patches moto)")
	}
	script := filepath.Join(dir, "moto_ext.py")
	if err := os.WriteFile(script, fmt.Appendf(nil, launcher, strings.Join(imports, "\n")), 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, "", fmt.Errorf("moto extensions: %w", err)
	}
	return []string{python, script}, dir, nil
}
