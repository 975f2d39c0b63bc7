package schemas_test

import (
	"context"
	"strings"
	"testing"
)

// TestSetLargeAttachment: one text node may be as large as the document
// limit allows (an attachment's content of several megabytes), not only as
// large as the validator's own default token limit (4 MiB).
func TestSetLargeAttachment(t *testing.T) {
	set := compiled(t)
	for _, n := range []int{1 << 20, 9 << 20} {
		doc := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
			`<t:SendRequestRequest xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" xmlns:b="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">` +
			`<t:SenderProvidedRequestData Id="S"><t:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</t:MessageID>` +
			`<b:MessagePrimaryContent><x:Any xmlns:x="urn://example/any"/></b:MessagePrimaryContent>` +
			`<b:AttachmentHeaderList><b:AttachmentHeader><b:contentId>a1</b:contentId><b:MimeType>application/pdf</b:MimeType></b:AttachmentHeader></b:AttachmentHeaderList>` +
			`</t:SenderProvidedRequestData>` +
			`<b:AttachmentContentList><b:AttachmentContent><b:Id>a1</b:Id><b:Content>` + strings.Repeat("QUJD", n/4) + `</b:Content></b:AttachmentContent></b:AttachmentContentList>` +
			`</t:SendRequestRequest></soap:Body></soap:Envelope>`
		if err := set.Validate(context.Background(), []byte(doc)); err != nil {
			t.Fatalf("%d MiB attachment: %v", n>>20, err)
		}
	}
}
