// Command gen writes the golden results for the template engine (host/template/): it renders
// every case of cases.json with Go's own text/template, the engine the C++ renderer stands in
// for, so the C++ tests compare against real Go behaviour instead of our reading of it.
//
// Regenerate after editing cases.json (standard library only, no network needed). The
// reference is Go 1.19, Debian 12's golang-1.19 package; the build and the tests never need Go,
// they read the committed expected.json:
//
//	cd tests/golden/template && /usr/lib/go-1.19/bin/go run gen.go
//
// For a differential run on random templates (nothing is committed):
//
//	dir=$(mktemp -d); python3 random_cases.py 1 3000 > $dir/cases.json; cp gen.go $dir
//	(cd $dir && go run gen.go); TEMPLATE_GOLDEN_DIR=$dir build/bin/template_test
//
// If the default Go cache is not writable, point GOCACHE at a temporary folder, e.g.
// GOCACHE=$(mktemp -d) GOPATH=$(mktemp -d) go run gen.go
//
// Each case is {name, template, data, leftDelim?, rightDelim?, missingkey?, html?}. The data is
// decoded with encoding/json into interface{} (numbers become float64), exactly what the Go
// handler did. expected.json maps each name to {"output": ...} or {"error": ...}.
//   - "missingkey": "error" or "zero" renders with Option("missingkey=..."); the C++ test runs
//     such cases with MissingKey::kError and MissingKey::kNoValue respectively.
//   - "html": true renders with html/template, as the Go handler's tasks did; the C++ test runs
//     it with MissingKey::kEmpty (html/template prints "" for a missing key). Such cases must
//     print nothing html/template would escape, since the C++ engine never escapes.
// A case may also say "unsupported": true: Go renders it, but the C++ engine must refuse it
// with an "unsupported" error (template_test.cpp checks that); gen.go ignores the flag.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	htmltemplate "html/template"
	"strings"
	"text/template"
)

type testCase struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data"`
	LeftDelim  string          `json:"leftDelim"`
	RightDelim string          `json:"rightDelim"`
	MissingKey string          `json:"missingkey"`
	HTML       bool            `json:"html"`
}

type result struct {
	Output *string `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
}

func render(c testCase) result {
	var data interface{}
	if len(c.Data) > 0 {
		if err := json.Unmarshal(c.Data, &data); err != nil {
			fail("case %q: bad data: %v", c.Name, err)
		}
	}
	// The name "t" shows up in Go's messages as "template: t:LINE[:COL]: ...".
	var execute func(*bytes.Buffer) error
	var err error
	if c.HTML {
		var tmpl *htmltemplate.Template
		tmpl, err = htmltemplate.New("t").Delims(c.LeftDelim, c.RightDelim).Parse(c.Template)
		if err == nil && c.MissingKey != "" {
			tmpl = tmpl.Option("missingkey=" + c.MissingKey)
		}
		execute = func(out *bytes.Buffer) error { return tmpl.Execute(out, data) }
	} else {
		var tmpl *template.Template
		tmpl, err = template.New("t").Delims(c.LeftDelim, c.RightDelim).Parse(c.Template)
		if err == nil && c.MissingKey != "" {
			tmpl = tmpl.Option("missingkey=" + c.MissingKey)
		}
		execute = func(out *bytes.Buffer) error { return tmpl.Execute(out, data) }
	}
	if err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	var out bytes.Buffer
	if err := execute(&out); err != nil {
		msg := err.Error()
		return result{Error: &msg}
	}
	text := out.String()
	return result{Output: &text}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	raw, err := os.ReadFile("cases.json")
	if err != nil {
		fail("%v", err)
	}
	var cases []testCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		fail("cases.json: %v", err)
	}
	expected := map[string]result{}
	for _, c := range cases {
		if _, dup := expected[c.Name]; dup || strings.TrimSpace(c.Name) == "" {
			fail("case name %q is empty or repeated", c.Name)
		}
		expected[c.Name] = render(c)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false) // keep <no value> and & readable in the golden file
	enc.SetIndent("", "  ")
	if err := enc.Encode(expected); err != nil { // map keys come out sorted: stable diffs
		fail("%v", err)
	}
	if err := os.WriteFile("expected.json", out.Bytes(), 0o644); err != nil {
		fail("%v", err)
	}
	fmt.Printf("wrote expected.json: %d cases\n", len(cases))
}
