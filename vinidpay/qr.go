package vinidpay

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// QR code sizes accepted by QRCodePNG, in pixels.
const (
	MinQRSize = 64
	MaxQRSize = 2048
)

// QRCodePNG renders content (a link's WebURL) as a PNG QR code of
// size×size pixels with medium (15%) error correction and the standard
// quiet zone, for devices where the customer scans the code with the VinID
// app (seed, linking step 4b). It uses github.com/skip2/go-qrcode.
func QRCodePNG(content string, size int) ([]byte, error) {
	const op = "qr code"
	if content == "" {
		return nil, invalidRequest(op, "content is required")
	}
	if len(content) > 2048 {
		return nil, invalidRequest(op, "content longer than 2048 bytes")
	}
	if size < MinQRSize || size > MaxQRSize {
		return nil, invalidRequest(op, "size must be %d..%d pixels", MinQRSize, MaxQRSize)
	}
	png, err := qrcode.Encode(content, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("vinidpay: %s: %w: %v", op, ErrInvalidRequest, err)
	}
	return png, nil
}
