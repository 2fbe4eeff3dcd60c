package playground

import (
	"embed"
	"html/template"
	"io/fs"
)

//go:embed static
var embedded embed.FS

// staticFS is the page's script and style sheet.
var staticFS, _ = fs.Sub(embedded, "static")

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("playground").Parse(pageHTML))

type pageData struct {
	Browser   string
	MaxConfig int
}
