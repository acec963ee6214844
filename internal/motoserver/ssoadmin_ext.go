package motoserver

import (
	"bufio"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ssoadminExt is the wrapper that Options.SSOAdminExtensions runs: moto_server
// with the sso-admin operations moto 5.2.1 lacks patched in. Test rig only.
//
//go:embed ssoadmin_ext.py
var ssoadminExt []byte

// extensionCommand writes the wrapper script to a new temporary directory
// and returns the command line that runs it (without -H and -p) and the
// directory, which the caller removes when the server stops.
func extensionCommand(motoServer string, env []string) (argv []string, dir string, err error) {
	python, err := motoPython(motoServer, env)
	if err != nil {
		return nil, "", err
	}
	dir, err = os.MkdirTemp("", "stint-moto-")
	if err != nil {
		return nil, "", fmt.Errorf("moto sso-admin extensions: %w", err)
	}
	script := filepath.Join(dir, "ssoadmin_ext.py")
	if err := os.WriteFile(script, ssoadminExt, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return nil, "", fmt.Errorf("moto sso-admin extensions: %w", err)
	}
	return []string{python, script}, dir, nil
}

// motoPython finds the Python interpreter that runs moto_server, so that the
// wrapper imports the same moto: the interpreter named by moto_server's
// "#!" line, or, when moto_server is a shell shim (pyenv), that of the
// script `pyenv which moto_server` names. It falls back to python3 on PATH.
func motoPython(motoServer string, env []string) (string, error) {
	if python, ok := shebangPython(motoServer); ok {
		return python, nil
	}
	if pyenv, err := exec.LookPath("pyenv"); err == nil {
		cmd := exec.Command(pyenv, "which", filepath.Base(motoServer))
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.Output(); err == nil {
			if python, ok := shebangPython(strings.TrimSpace(string(out))); ok {
				return python, nil
			}
		}
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		return "", fmt.Errorf("moto sso-admin extensions: cannot tell which Python runs %s and python3 is not on PATH", motoServer)
	}
	return python, nil
}

// shebangPython returns the Python interpreter named on the "#!" line of the
// script at path ("#!/path/to/python3" or "#!/usr/bin/env python3").
func shebangPython(path string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(fields) == 0 {
		return "", false
	}
	if filepath.Base(fields[0]) == "env" && len(fields) > 1 && strings.HasPrefix(fields[1], "python") {
		python, err := exec.LookPath(fields[1])
		return python, err == nil
	}
	if strings.HasPrefix(filepath.Base(fields[0]), "python") {
		return fields[0], true
	}
	return "", false
}
