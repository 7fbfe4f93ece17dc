// Package testimage makes the photos that tests of metadata stripping need: images
// encoded as a phone camera writes them, with an EXIF segment holding a GPS position,
// and any other segments a test asks for.
package testimage

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
)

// Segment is one JPEG marker segment: 0xe1 to 0xef for APP1 to APP15, 0xfe for a
// comment.
type Segment struct {
	Marker byte
	Body   []byte
}

// CameraJPEG encodes img as a JPEG and inserts after its start-of-image marker an EXIF
// APP1 segment whose GPS IFD holds the latitude N 47° 55′ 12″, then the extra segments in
// order. It returns the file and the bytes of the GPS IFD, which a copy stripped of its
// metadata must not contain.
func CameraJPEG(img image.Image, extra ...Segment) (file, gps []byte, err error) {
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil, nil, err
	}
	// TIFF, little-endian: IFD0 with one entry pointing to the GPS IFD, which holds
	// GPSLatitudeRef "N" and GPSLatitude 47/1 55/1 12/1.
	le := binary.LittleEndian
	tiff := []byte("II*\x00")
	tiff = le.AppendUint32(tiff, 8)
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, 0x8825)
	tiff = le.AppendUint16(tiff, 4)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 26)
	tiff = le.AppendUint32(tiff, 0)
	gpsStart := len(tiff)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint32(tiff, 2)
	tiff = append(tiff, 'N', 0, 0, 0)
	tiff = le.AppendUint16(tiff, 2)
	tiff = le.AppendUint16(tiff, 5)
	tiff = le.AppendUint32(tiff, 3)
	tiff = le.AppendUint32(tiff, uint32(gpsStart+2+24+4))
	tiff = le.AppendUint32(tiff, 0)
	for _, v := range []uint32{47, 1, 55, 1, 12, 1} {
		tiff = le.AppendUint32(tiff, v)
	}
	gps = append([]byte(nil), tiff[gpsStart:]...)
	segs := append([]Segment{{0xe1, append([]byte("Exif\x00\x00"), tiff...)}}, extra...)
	b := plain.Bytes()
	file = append([]byte(nil), b[:2]...)
	for _, s := range segs {
		file = append(file, 0xff, s.Marker)
		file = binary.BigEndian.AppendUint16(file, uint16(len(s.Body)+2))
		file = append(file, s.Body...)
	}
	return append(file, b[2:]...), gps, nil
}
