package odk

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
)

// Version is the OpenRosa version iltod speaks, sent as X-OpenRosa-Version on every
// response.
const Version = "1.0"

// FormEntry is one form of a formList (OpenRosa Form List API).
type FormEntry struct {
	FormID      string `xml:"formID"`
	Name        string `xml:"name"`
	Version     string `xml:"version"`
	Hash        string `xml:"hash"`
	DownloadURL string `xml:"downloadUrl"`
	ManifestURL string `xml:"manifestUrl,omitempty"`
}

// Hash returns the formList hash of an XForm's bytes: "md5:" and the MD5 in hex.
func Hash(xform []byte) string {
	h := md5.Sum(xform)
	return "md5:" + hex.EncodeToString(h[:])
}

type formList struct {
	XMLName xml.Name    `xml:"http://openrosa.org/xforms/xformsList xforms"`
	Forms   []FormEntry `xml:"xform"`
}

// FormList writes the formList document of forms.
func FormList(forms []FormEntry) []byte {
	b, _ := xml.Marshal(formList{Forms: forms}) // strings only: cannot fail
	return append([]byte(xml.Header), b...)
}

// Manifest writes a form's manifest: iltod's XForms use no media files, so it is empty,
// which tells ODK Collect there is nothing more to download.
func Manifest() []byte {
	return []byte(xml.Header + `<manifest xmlns="http://openrosa.org/xforms/xformsManifest"></manifest>`)
}

// The natures of an OpenRosa response message.
const (
	NatureSuccess = "submit_success"
	NatureError   = "error"
)

type response struct {
	XMLName xml.Name `xml:"http://openrosa.org/http/response OpenRosaResponse"`
	Message struct {
		Nature string `xml:"nature,attr"`
		Text   string `xml:",chardata"`
	} `xml:"message"`
}

// Response writes an OpenRosa response document with one message, which ODK Collect
// shows to the observer.
func Response(nature, text string) []byte {
	var r response
	r.Message.Nature, r.Message.Text = nature, text
	b, _ := xml.Marshal(r)
	return append([]byte(xml.Header), b...)
}
