package evidence

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"

	"github.com/iltod/iltod"
)

// MaxPublicPixels bounds the size of an image PublicCopy decodes (width × height).
const MaxPublicPixels = 50_000_000

// PublicCopy returns the copy of plaintext that may be published, and its media type. For
// a JPEG or PNG image, it decodes the pixels and encodes them again (JPEG at quality 90,
// PNG losslessly), so that the copy carries no metadata at all: no EXIF (hence no GPS
// position, time or camera serial number), XMP, ICC profile, comment or text chunk, and
// nothing after the image's end. A JPEG's EXIF orientation (tag 0x0112 of IFD0) is applied
// to the pixels before the EXIF is dropped, so that the copy is shown the way up the
// original was. Any other media type (video, audio, documents) is refused with EInvalid: their
// publication needs a human redaction step.
func PublicCopy(plaintext []byte) ([]byte, string, error) {
	mt := MediaType(plaintext)
	if mt != "image/jpeg" && mt != "image/png" {
		return nil, "", iltod.E(iltod.EInvalid, "error.evidence.not_publishable", map[string]any{"MediaType": mt})
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(plaintext))
	if err != nil {
		return nil, "", iltod.E(iltod.EInvalid, "error.evidence.image", map[string]any{"Err": err.Error()})
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPublicPixels {
		return nil, "", iltod.E(iltod.EInvalid, "error.evidence.image_size", map[string]any{"Max": int64(MaxPublicPixels)})
	}
	var img image.Image
	if mt == "image/jpeg" {
		img, err = jpeg.Decode(bytes.NewReader(plaintext))
		if err == nil {
			img = orient(img, exifOrientation(plaintext))
		}
	} else {
		img, err = png.Decode(bytes.NewReader(plaintext))
	}
	if err != nil {
		return nil, "", iltod.E(iltod.EInvalid, "error.evidence.image", map[string]any{"Err": err.Error()})
	}
	var out bytes.Buffer
	if mt == "image/jpeg" {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&out, img)
	}
	if err != nil {
		return nil, "", iltod.E(iltod.EInternal, "error.evidence.image", map[string]any{"Err": err.Error()})
	}
	return out.Bytes(), mt, nil
}
