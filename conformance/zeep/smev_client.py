#!/usr/bin/python3
"""A stock SOAP toolkit (python3-zeep) as a client of an SMEV 3 hub.

The client is built from the public SMEV 3 message-exchange 1.1 WSDL alone
(local files, nothing fetched from the network). It calls every operation the
WSDL declares, lets zeep parse every answer (faults included, their detail
parsed with the WSDL's fault elements), and prints a JSON summary on stdout.
Every signature a call carries is made by `mezhved dsig sign`: zeep builds the
call, the command signs the element the operation requires, and the signature
goes back to zeep as the xsd:any content of CallerInformationSystemSignature;
the envelope that reaches the hub is zeep's own serialisation.

The flow: the consumer sends a request with an attachment (and sends it
again, as a client that lost the answer does), the provider takes it
(GetRequest), acknowledges it and answers (SendResponse), the consumer takes
the answer (GetResponse) and acknowledges it; GetStatus for both sides and
GetIncomingQueueStatistics; answers that are a business status and a
rejection, a request refused with Ack accepted=false, a broadcast; empty
queues; and calls the hub must refuse with SMEV faults (a tampered signature,
a schema violation, an unregistered payload type, a reused MessageID, an
unsigned call, an unknown selector type, an Ack of a message already
acknowledged). Besides zeep's own parsing, every answer (or the SMEV fault
element of a fault) is validated against the reference schemas with lxml, and
the hub's signature of every answer that carries one is verified with
`mezhved dsig verify` on the bytes received.

Exit status: 0 when every check passed, 1 otherwise (the JSON says which), 2
on bad arguments.
"""

import argparse
import copy
import datetime
import json
import os
import pathlib
import subprocess
import sys
import time
import traceback
import uuid

from lxml import etree

import zeep
import zeep.exceptions
from zeep.transports import Transport

WSDL_FILE = "smev-message-exchange-service-1.1.wsdl"
SERVICE_NS = "urn://x-artefacts-smev-gov-ru/services/message-exchange/1.1"
TYPES_NS = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1"
FAULTS_NS = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.1"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
FAULT_INFO_NS = "urn://mezhved/fault/1.0"
BINDING = "{%s}SMEVMessageExchangeSoap11Binding" % SERVICE_NS

# The SMEV fault elements whose type extends basic:SmevFault (Code,
# Description); the others are basic:Void.
SMEV_FAULT_TYPED = {
    "InvalidContent", "BusinessDataTypeIsNotSupported", "SignatureVerificationFault",
    "AttachmentSizeLimitExceeded", "QuoteLimitExceeded", "DestinationOverflow",
    "TransactionCodeInvalid",
}


class CheckFailed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise CheckFailed(what)


class LocalTransport(Transport):
    """Loads the WSDL and its schemas from local files only, and keeps the raw
    bytes of the last answer (to verify the hub's signature on exactly what
    it sent)."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.session.trust_env = False  # the hub is local: no proxy from the environment
        self.last = None

    def load(self, url):
        if "://" in url and not url.startswith("file://"):
            raise RuntimeError("refusing to fetch %s: the WSDL must be self-contained" % url)
        return super().load(url)

    def post(self, address, message, headers):
        response = super().post(address, message, headers)
        self.last = response
        return response


def reference_schema(wsdl_dir):
    """The reference types and faults schemas, for lxml to validate with."""
    d = pathlib.Path(wsdl_dir).resolve()
    imports = "".join('<xs:import namespace="%s" schemaLocation="%s"/>' % (ns, (d / f).as_uri()) for ns, f in (
        (TYPES_NS, "smev-message-exchange-types-1.1.xsd"), (FAULTS_NS, "smev-message-exchange-faults-1.1.xsd")))
    return etree.XMLSchema(etree.fromstring(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">%s</xs:schema>' % imports))


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def part(result, name):
    """The named part of an answer: zeep returns the only child of a
    one-element answer (GetRequestResponse/RequestMessage, ...) in place of
    the answer, and None for an empty one."""
    if result is None:
        return None
    values = getattr(result, "__values__", None)
    if values is not None and name in values:
        return values[name]
    return result


def jsonable(v):
    if isinstance(v, (datetime.datetime, datetime.date)):
        return v.isoformat()
    if isinstance(v, etree._Element):
        return etree.QName(v).text
    return v


class Driver:
    def __init__(self, args):
        self.args = args
        self.transport = LocalTransport(timeout=30, operation_timeout=60)
        wsdl = os.path.join(os.path.abspath(args.wsdl_dir), WSDL_FILE)
        self.client = zeep.Client(wsdl=wsdl, transport=self.transport,
                                  settings=zeep.Settings(strict=True, raw_response=False))
        self.service = self.client.create_service(BINDING, args.url)
        self.calls = []
        self.last_signature = None
        binding = self.client.wsdl.bindings[BINDING]
        self.operations = sorted(binding._operations)
        self.schema = reference_schema(args.wsdl_dir)

    # -- signing -------------------------------------------------------------

    def identity(self, who):
        return (os.path.join(self.args.pki, who + ".key"), os.path.join(self.args.pki, who + ".crt"))

    def mezhved(self, args, data):
        p = subprocess.run([self.args.mezhved] + args, input=data, capture_output=True, timeout=60)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").strip()

    def sign(self, op, who, kw):
        """Has zeep build the call, signs it with `mezhved dsig sign` and
        returns the ds:Signature (an lxml element) for zeep to send."""
        # GetStatusRequest requires CallerInformationSystemSignature; an
        # empty ds:Signature holds its place (dsig sign replaces it).
        placeholder = {"_value_1": etree.Element("{%s}Signature" % DS_NS)}
        envelope = self.client.create_message(self.service, op, CallerInformationSystemSignature=placeholder, **kw)
        key, cert = self.identity(who)
        code, out, err = self.mezhved(["dsig", "sign", "--key", key, "--cert", cert], etree.tostring(envelope))
        check(code == 0, "mezhved dsig sign of %s failed (%d): %s" % (op, code, err))
        signed = etree.fromstring(out)
        sigs = signed.findall(".//{%s}CallerInformationSystemSignature/{%s}Signature" % (TYPES_NS, DS_NS))
        check(len(sigs) == 1, "mezhved dsig sign made %d signatures for %s" % (len(sigs), op))
        return sigs[0]

    def verify(self, data):
        """`mezhved dsig verify` of a call or a reply; the signer's subject."""
        code, out, err = self.mezhved(["dsig", "verify", "--trust", self.args.pki], data)
        check(code == 0, "mezhved dsig verify: %s" % err)
        return out.decode().strip()

    # -- calls ---------------------------------------------------------------

    def call(self, case, op, who, kw, tamper=None, expect_fault=None, signed=True, sig=None):
        """Signs and sends one call with zeep (with sig, the signature of an
        earlier call, when given); returns zeep's parsed answer (None for a
        fault) and the call's record."""
        rec = {"case": case, "operation": op, "caller": who, "called": False, "parsed": False}
        self.calls.append(rec)
        kw = dict(kw)
        if signed:
            if sig is None:
                sig = self.sign(op, who, kw)
            self.last_signature = sig
            if tamper:
                tamper(kw)
            kw["CallerInformationSystemSignature"] = {"_value_1": sig}
        self.transport.last = None
        rec["called"] = True
        fault = None
        try:
            result = getattr(self.service, op)(**kw)
        except zeep.exceptions.Fault as f:
            fault, result = f, None
        except Exception as e:
            self.unparsed(rec, e, "the answer to %s" % op)
        rec["http"] = self.transport.last.status_code if self.transport.last is not None else None
        if fault is not None:
            try:
                rec["fault"] = self.parse_fault(fault)
            except Exception as e:
                self.unparsed(rec, e, "the fault detail")
        rec["parsed"] = True
        self.validate_answer(rec)
        if fault is not None:
            check(expect_fault is not None, "%s: unexpected fault %s" % (case, json.dumps(rec["fault"], ensure_ascii=False)))
            check(rec["fault"]["element"] == expect_fault,
                  "%s: fault %s, want %s" % (case, rec["fault"]["element"], expect_fault))
        else:
            check(expect_fault is None, "%s: want fault %s, got an answer" % (case, expect_fault))
        return result, rec

    def unparsed(self, rec, e, what):
        """Records what zeep could not parse, with the raw answer, and stops."""
        rec["error"] = "%s: %s" % (type(e).__name__, e)
        if self.transport.last is not None:
            rec["http"] = self.transport.last.status_code
            rec["raw"] = self.transport.last.content[:4000].decode("utf-8", "replace")
        raise CheckFailed("%s: zeep could not parse %s: %s" % (rec["case"], what, rec["error"]))

    def validate_answer(self, rec):
        """Beyond what zeep checks: the answer (or the SMEV fault element in a
        fault's detail) validates against the reference schemas."""
        body = etree.fromstring(self.transport.last.content).find("{%s}Body" % SOAP_NS)
        check(body is not None and len(body) == 1, "%s: the answer's Body does not hold one element" % rec["case"])
        el = body[0]
        if el.tag == "{%s}Fault" % SOAP_NS:
            el = next(c for c in el.find("detail") if etree.QName(c).namespace == FAULTS_NS)
        el = copy.deepcopy(el)
        if not self.schema.validate(el):
            rec["schemaErrors"] = [str(e) for e in self.schema.error_log]
            raise CheckFailed("%s: the answer does not validate against the reference schemas: %s" %
                              (rec["case"], "; ".join(rec["schemaErrors"])))
        rec["schemaValid"] = True

    def verify_hub_signature(self, rec, result_sig):
        """The hub's SMEVSignature as zeep parsed it (an lxml ds:Signature),
        and `mezhved dsig verify` of the raw reply."""
        check(result_sig is not None and isinstance(result_sig._value_1, etree._Element),
              "%s: no SMEVSignature parsed" % rec["case"])
        check(etree.QName(result_sig._value_1).namespace == DS_NS, "%s: SMEVSignature is not a ds:Signature" % rec["case"])
        rec["hubSigner"] = self.verify(self.transport.last.content)

    def parse_fault(self, f):
        """Parses a SOAP fault's detail with the WSDL's fault elements."""
        out = {"faultcode": f.code, "faultstring": f.message}
        detail = f.detail
        check(detail is not None, "fault without detail: %s" % f.message)
        smev = [c for c in detail if isinstance(c.tag, str) and etree.QName(c).namespace == FAULTS_NS]
        check(len(smev) == 1, "fault detail holds %d SMEV fault elements" % len(smev))
        el = smev[0]
        name = etree.QName(el).localname
        out["element"] = name
        parsed = self.client.get_element(el.tag).parse(el, self.client.wsdl.types)
        fields = {}
        if name in SMEV_FAULT_TYPED:
            fields["Code"] = parsed.Code
            fields["Description"] = parsed.Description
            check(bool(parsed.Code) and bool(parsed.Description), "%s without Code or Description" % name)
        if name == "InvalidContent":
            errs = [{"errorPosition": v.errorPosition, "text": v._value_1} for v in parsed.ValidationError]
            check(errs and all(isinstance(e["errorPosition"], int) for e in errs), "InvalidContent without ValidationError")
            fields["ValidationError"] = errs
        elif name == "SignatureVerificationFault":
            fields["SignatureVerificationFault"] = parsed.SignatureVerificationFault
        elif name == "BusinessDataTypeIsNotSupported":
            fields["RootElementLocalName"] = parsed.RootElementLocalName
            fields["RootElementNamespaceURI"] = parsed.RootElementNamespaceURI
        out["detail"] = fields
        info = detail.find("{%s}FaultInfo" % FAULT_INFO_NS)
        if info is not None:
            out["code"] = info.findtext("{%s}Code" % FAULT_INFO_NS)
            out["retry"] = info.findtext("{%s}Retry" % FAULT_INFO_NS)
        return out

    # -- the flow ------------------------------------------------------------

    def poll(self, case, op, who, kw, present, deadline):
        """Calls op until present(result) or the deadline (the hub long-polls,
        so each call waits for a message)."""
        while True:
            result, rec = self.call(case, op, who, kw)
            if present(result) or time.monotonic() > deadline:
                return result, rec
            self.calls.pop()  # keep one record per case
            kw = self.fresh_selector(kw)

    def fresh_selector(self, kw):
        """A copy of a GetRequest/GetResponse call with a new Timestamp
        (shallow: zeep.xsd.SkipValue must stay itself)."""
        kw = {k: dict(v) for k, v in kw.items()}
        kw["MessageTypeSelector"]["Timestamp"] = now()
        return kw

    def run(self):
        a = self.args
        deadline = time.monotonic() + a.timeout
        request = etree.parse(a.request_payload).getroot()
        answer = etree.parse(a.response_payload).getroot()
        rq = etree.QName(request)
        consumer, provider = a.consumer, a.provider

        # SendRequest: the consumer sends the request.
        msg_id = str(uuid.uuid1())
        tx = "zeep-" + msg_id[:8]
        attachment = b"%PDF-1.4\n% a writ's scan, as zeep sends it: base64 inline\n" + bytes(range(256))
        send_kw = {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": msg_id, "TransactionCode": tx,
            "MessagePrimaryContent": {"_value_1": copy.deepcopy(request)},
            "AttachmentHeaderList": {"AttachmentHeader": [{"contentId": "att-1", "MimeType": "application/pdf"}]}},
            "AttachmentContentList": {"AttachmentContent": [{"Id": "att-1", "Content": attachment}]}}
        res, rec = self.call("send-request", "SendRequest", consumer, send_kw)
        md = res.MessageMetadata
        rec["fields"] = {"MessageId": md.MessageId, "MessageType": md.MessageType, "Sender": md.Sender.Mnemonic,
                         "Recipient": md.Recipient.Mnemonic if md.Recipient else None,
                         "Status": md.Status, "SendingTimestamp": jsonable(md.SendingTimestamp)}
        check(md.MessageId == msg_id, "SendRequest: MessageId %s, want %s" % (md.MessageId, msg_id))
        check(md.Sender.Mnemonic == consumer, "SendRequest: sender %s" % md.Sender.Mnemonic)
        check(isinstance(md.SendingTimestamp, datetime.datetime), "SendRequest: SendingTimestamp not parsed")
        self.verify_hub_signature(rec, res.SMEVSignature)
        first, first_sig = md, self.last_signature

        # The same call again, as a client that lost the answer sends it
        # (zeep serialises the same values and signature to the same bytes):
        # the original metadata, nothing stored twice.
        res, rec = self.call("send-request-again", "SendRequest", consumer, send_kw, sig=first_sig)
        md = res.MessageMetadata
        rec["fields"] = {"MessageId": md.MessageId, "SendingTimestamp": jsonable(md.SendingTimestamp)}
        check(md.MessageId == first.MessageId and md.SendingTimestamp == first.SendingTimestamp,
              "SendRequest again: not the original metadata")
        self.verify_hub_signature(rec, res.SMEVSignature)

        # GetRequest: the provider takes it.
        get_kw = {"MessageTypeSelector": {"Id": "SIGNED_BY_CALLER", "NamespaceURI": rq.namespace,
                                          "RootElementLocalName": rq.localname, "Timestamp": now()}}
        res, rec = self.poll("get-request", "GetRequest", provider, get_kw,
                             lambda r: part(r, "RequestMessage") is not None, deadline)
        message = part(res, "RequestMessage")
        check(message is not None, "GetRequest: no request delivered in time")
        req = message.Request
        data = req.SenderProvidedRequestData
        content = data.MessagePrimaryContent._value_1
        check(isinstance(content, etree._Element), "GetRequest: MessagePrimaryContent not parsed as XML")
        check(etree.QName(content) == rq, "GetRequest: payload root %s" % etree.QName(content))
        check(etree.tostring(content, method="c14n", exclusive=True) == etree.tostring(request, method="c14n", exclusive=True),
              "GetRequest: the payload delivered differs from the payload sent")
        delivered_id = req.MessageMetadata.MessageId
        contents = message.AttachmentContentList
        check(contents is not None and len(contents.AttachmentContent) == 1, "GetRequest: attachment not delivered")
        check(contents.AttachmentContent[0].Content == attachment, "GetRequest: attachment bytes differ")
        headers = data.AttachmentHeaderList
        check(headers is not None and headers.AttachmentHeader[0].contentId == contents.AttachmentContent[0].Id,
              "GetRequest: attachment header and content do not match")
        reply_to = req.ReplyTo
        rec["fields"] = {"MessageID": data.MessageID, "TransactionCode": data.TransactionCode,
                         "MessageId": delivered_id, "MessageType": req.MessageMetadata.MessageType,
                         "Sender": req.MessageMetadata.Sender.Mnemonic, "ReplyTo": bool(reply_to),
                         "PayloadRoot": etree.QName(content).text,
                         "Attachments": [{"Id": a.Id, "bytes": len(a.Content)} for a in contents.AttachmentContent]}
        check(data.MessageID == msg_id, "GetRequest: MessageID %s, want %s" % (data.MessageID, msg_id))
        check(data.TransactionCode == tx, "GetRequest: TransactionCode %s" % data.TransactionCode)
        check(bool(reply_to), "GetRequest: no ReplyTo")
        self.verify_hub_signature(rec, message.SMEVSignature)
        # The sender's signature as delivered: zeep re-serialises what it
        # parsed into a SendRequest call, which must still verify as COURT's.
        ss = req.SenderInformationSystemSignature
        check(ss is not None and isinstance(ss._value_1, etree._Element), "GetRequest: no SenderInformationSystemSignature")
        rebuilt = self.client.create_message(self.service, "SendRequest", SenderProvidedRequestData=data,
                                             CallerInformationSystemSignature={"_value_1": ss._value_1})
        rec["senderSigner"] = self.verify(etree.tostring(rebuilt))
        check(consumer in rec["senderSigner"], "GetRequest: sender signature by %s" % rec["senderSigner"])

        # Ack by the provider.
        ack_kw = {"AckTargetMessage": {"_value_1": delivered_id, "Id": "SIGNED_BY_CALLER", "accepted": True}}
        res, rec = self.call("ack-request", "Ack", provider, ack_kw)
        rec["fields"] = {"MessageId": delivered_id, "result": res}

        # The queue is now empty for this type: an empty GetRequestResponse.
        res, rec = self.call("get-request-empty", "GetRequest", provider, self.fresh_selector(get_kw))
        check(part(res, "RequestMessage") is None, "GetRequest after Ack: the request came again")
        rec["fields"] = {"empty": True}

        # SendResponse: the provider answers.
        resp_id = str(uuid.uuid1())
        resp_kw = {"SenderProvidedResponseData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": resp_id, "To": reply_to,
            "MessagePrimaryContent": {"_value_1": copy.deepcopy(answer)}}}
        res, rec = self.call("send-response", "SendResponse", provider, resp_kw)
        md = res.MessageMetadata
        rec["fields"] = {"MessageId": md.MessageId, "MessageType": md.MessageType, "Sender": md.Sender.Mnemonic,
                         "Recipient": md.Recipient.Mnemonic if md.Recipient else None, "Status": md.Status}
        check(md.MessageId == resp_id, "SendResponse: MessageId %s, want %s" % (md.MessageId, resp_id))
        check(md.MessageType == "RESPONSE", "SendResponse: MessageType %s" % md.MessageType)
        self.verify_hub_signature(rec, res.SMEVSignature)

        # GetResponse: the consumer takes the answer.
        aq = etree.QName(answer)
        gr_kw = {"MessageTypeSelector": {"Id": "SIGNED_BY_CALLER", "NamespaceURI": aq.namespace,
                                         "RootElementLocalName": aq.localname, "Timestamp": now()}}
        res, rec = self.poll("get-response", "GetResponse", consumer, gr_kw,
                             lambda r: part(r, "ResponseMessage") is not None, deadline)
        message = part(res, "ResponseMessage")
        check(message is not None, "GetResponse: no response delivered in time")
        resp = message.Response
        rdata = resp.SenderProvidedResponseData
        rcontent = rdata.MessagePrimaryContent._value_1
        check(isinstance(rcontent, etree._Element) and etree.QName(rcontent) == aq,
              "GetResponse: payload root %s" % (etree.QName(rcontent) if isinstance(rcontent, etree._Element) else rcontent))
        rec["fields"] = {"MessageID": rdata.MessageID, "OriginalMessageId": resp.OriginalMessageId,
                         "OriginalTransactionCode": resp.OriginalTransactionCode,
                         "MessageId": resp.MessageMetadata.MessageId, "Sender": resp.MessageMetadata.Sender.Mnemonic,
                         "PayloadRoot": etree.QName(rcontent).text}
        check(rdata.MessageID == resp_id, "GetResponse: MessageID %s, want %s" % (rdata.MessageID, resp_id))
        check(resp.OriginalMessageId in (None, msg_id), "GetResponse: OriginalMessageId %s" % resp.OriginalMessageId)
        self.verify_hub_signature(rec, message.SMEVSignature)
        ss = resp.SenderInformationSystemSignature
        check(ss is not None and isinstance(ss._value_1, etree._Element), "GetResponse: no SenderInformationSystemSignature")
        rebuilt = self.client.create_message(self.service, "SendResponse", SenderProvidedResponseData=rdata,
                                             CallerInformationSystemSignature={"_value_1": ss._value_1})
        rec["senderSigner"] = self.verify(etree.tostring(rebuilt))
        check(provider in rec["senderSigner"], "GetResponse: sender signature by %s" % rec["senderSigner"])
        response_msg = resp.MessageMetadata.MessageId

        # Ack by the consumer.
        ack2 = {"AckTargetMessage": {"_value_1": response_msg, "Id": "SIGNED_BY_CALLER", "accepted": True}}
        res, rec = self.call("ack-response", "Ack", consumer, ack2)
        rec["fields"] = {"MessageId": response_msg, "result": res}

        # Nothing more for the consumer: an empty GetResponseResponse.
        res, rec = self.call("get-response-empty", "GetResponse", consumer, self.fresh_selector(gr_kw))
        check(part(res, "ResponseMessage") is None, "GetResponse after Ack: the response came again")
        rec["fields"] = {"empty": True}

        # GetStatus: the asynchronous status events, until none: the
        # consumer's (its request acknowledged), the provider's (its response
        # delivered).
        statuses = self.statuses("get-status", consumer)
        check(any(e["OriginalMessageId"] == msg_id for e in statuses), "GetStatus: no event for the request")
        provider_statuses = self.statuses("get-status-provider", provider)
        check(any(e["OriginalMessageId"] == resp_id and e["StatusCategory"] == "responseIsDelivered"
                  for e in provider_statuses), "GetStatus: no responseIsDelivered for the response")

        # GetIncomingQueueStatistics for the provider.
        res, rec = self.call("queue-statistics", "GetIncomingQueueStatistics", provider,
                             {"Timestamp": {"_value_1": now(), "Id": "SIGNED_BY_CALLER"}})
        queues = part(res, "QueueStatistics") or []
        stats = [{"queueName": q.queueName, "pendingMessageNumber": q.pendingMessageNumber} for q in queues]
        check(all(isinstance(s["pendingMessageNumber"], int) for s in stats), "queue statistics: counts not parsed")
        rec["fields"] = {"queues": stats}

        refusals = self.run_refusals(request, get_kw, gr_kw, deadline)
        broadcast = self.run_broadcast(deadline) if a.broadcast_payload else None

        # Faults.
        # A signature that no longer matches: the payload changed after signing.
        bad = {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": str(uuid.uuid1()),
            "MessagePrimaryContent": {"_value_1": copy.deepcopy(request)}}}

        def tamper(kw):
            kw["SenderProvidedRequestData"] = copy.deepcopy(kw["SenderProvidedRequestData"])
            el = kw["SenderProvidedRequestData"]["MessagePrimaryContent"]["_value_1"]
            target = next(e for e in el.iter() if isinstance(e.tag, str) and len(e) == 0 and (e.text or "").strip())
            target.text = target.text.strip() + "0"

        self.call("fault-tampered-signature", "SendRequest", consumer, bad, tamper=tamper,
                  expect_fault="SignatureVerificationFault")

        # A payload the type's schema refuses: an element it does not declare.
        invalid = copy.deepcopy(request)
        invalid.insert(1, etree.Element("{%s}NotInTheSchema" % rq.namespace))
        invalid[1].text = "x"
        self.call("fault-schema-violation", "SendRequest", consumer, {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": str(uuid.uuid1()),
            "MessagePrimaryContent": {"_value_1": invalid}}}, expect_fault="InvalidContent")

        # A payload type nobody registered.
        unknown = etree.Element("{urn://example/not-registered/1.0}Unknown")
        unknown.text = "x"
        self.call("fault-unknown-type", "SendRequest", consumer, {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": str(uuid.uuid1()),
            "MessagePrimaryContent": {"_value_1": unknown}}}, expect_fault="BusinessDataTypeIsNotSupported")

        # The MessageID of the first request with other content.
        other = copy.deepcopy(send_kw)
        other.pop("AttachmentContentList")
        other["SenderProvidedRequestData"].pop("AttachmentHeaderList")
        self.call("fault-message-id-reused", "SendRequest", consumer, other, expect_fault="MessageIsAlreadySent")

        # A call without a signature.
        self.call("fault-unsigned", "GetRequest", provider, self.fresh_selector(get_kw), signed=False,
                  expect_fault="SignatureVerificationFault")

        # A selector naming a type nobody registered.
        self.call("fault-unknown-selector", "GetRequest", provider, {"MessageTypeSelector": {
            "Id": "SIGNED_BY_CALLER", "NamespaceURI": "urn://example/not-registered/1.0",
            "RootElementLocalName": "Unknown", "Timestamp": now()}}, expect_fault="UnknownMessageType")

        # An Ack of a message already acknowledged.
        self.call("fault-ack-again", "Ack", provider, ack_kw, expect_fault="TargetMessageIsNotFound")

        # The hub's own WSDL (GET <endpoint>?wsdl, its schemas beside it), as
        # an integrator would point zeep at it: the same operations.
        plain = Transport(timeout=30)
        plain.session.trust_env = False
        served = zeep.Client(a.url + "?wsdl", transport=plain)
        served_ops = sorted(served.wsdl.bindings[BINDING]._operations)
        check(served_ops == self.operations, "the hub's WSDL declares %s, the reference %s" % (served_ops, self.operations))

        return {"servedWsdlOperations": served_ops, "messageId": msg_id, "transactionCode": tx, "responseMessageId": resp_id,
                "deliveredRequestId": delivered_id, "deliveredResponseId": response_msg, "statuses": statuses,
                "providerStatuses": provider_statuses, "refusals": refusals, "broadcast": broadcast}

    def run_broadcast(self, deadline):
        """A request with no routing value, copied to every provider: the
        answer's MessageMetadata names no Recipient, and each provider takes
        and acknowledges its own copy."""
        a = self.args
        payload = etree.parse(a.broadcast_payload).getroot()
        q = etree.QName(payload)
        for el in payload.findall("{%s}BIC" % q.namespace):  # no routing value: every bank
            payload.remove(el)
        msg_id = str(uuid.uuid1())
        res, rec = self.call("send-broadcast", "SendRequest", a.broadcast_sender, {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": msg_id, "MessagePrimaryContent": {"_value_1": payload}}})
        md = res.MessageMetadata
        rec["fields"] = {"MessageId": md.MessageId, "MessageType": md.MessageType,
                         "Recipient": md.Recipient.Mnemonic if md.Recipient else None, "DestinationName": md.DestinationName}
        check(md.MessageId == msg_id, "SendRequest (broadcast): MessageId %s" % md.MessageId)
        self.verify_hub_signature(rec, res.SMEVSignature)
        recipients = a.broadcast_recipients.split(",")
        selector = {"MessageTypeSelector": {"Id": "SIGNED_BY_CALLER", "NamespaceURI": q.namespace,
                                            "RootElementLocalName": q.localname, "Timestamp": now()}}
        for who in recipients:
            message, rec = self.take("get-broadcast-" + who, "GetRequest", who, selector, "RequestMessage", deadline)
            req = message.Request
            rec["fields"] = {"MessageID": req.SenderProvidedRequestData.MessageID, "MessageType": req.MessageMetadata.MessageType,
                             "Recipient": req.MessageMetadata.Recipient.Mnemonic if req.MessageMetadata.Recipient else None}
            check(req.SenderProvidedRequestData.MessageID == msg_id, "GetRequest (broadcast) by %s: another request" % who)
            self.call("ack-broadcast-" + who, "Ack", who, {"AckTargetMessage": {
                "_value_1": req.MessageMetadata.MessageId, "Id": "SIGNED_BY_CALLER", "accepted": True}})
        return {"messageId": msg_id, "messageType": md.MessageType, "recipients": recipients}

    def statuses(self, case, who):
        """GetStatus until no event; the events, each with its fields."""
        events = []
        for i in range(50):
            res, rec = self.call("%s-%d" % (case, i), "GetStatus", who,
                                 {"Timestamp": {"_value_1": now(), "Id": "SIGNED_BY_CALLER"}})
            event = part(res, "SmevAsyncProcessingMessage")
            if event is None:
                rec["fields"] = {"empty": True}
                return events
            st = event.AsyncProcessingStatusData.AsyncProcessingStatus
            rec["fields"] = {"OriginalMessageId": st.OriginalMessageId, "StatusCategory": st.StatusCategory,
                             "StatusDetails": st.StatusDetails}
            if st.SmevFault is not None:
                rec["fields"]["SmevFault"] = {"Code": st.SmevFault.Code, "Description": st.SmevFault.Description}
            events.append(rec["fields"])
            self.verify_hub_signature(rec, event.SMEVSignature)
        raise CheckFailed("%s: GetStatus never ran out of events" % case)

    def take(self, case, op, who, selector, name, deadline):
        res, rec = self.poll(case, op, who, self.fresh_selector(selector), lambda r: part(r, name) is not None, deadline)
        message = part(res, name)
        check(message is not None, "%s: nothing delivered in time" % case)
        self.verify_hub_signature(rec, message.SMEVSignature)
        return message, rec

    def run_refusals(self, request, get_kw, gr_kw, deadline):
        """The answers that are not a payload: a business status and a
        rejection (SenderProvidedResponseData's other choices), and a request
        the provider acknowledges with accepted=false (a status event with an
        SmevFault)."""
        consumer, provider = self.args.consumer, self.args.provider
        out = {}
        msg_id = str(uuid.uuid1())
        self.call("send-request-2", "SendRequest", consumer, {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": msg_id, "MessagePrimaryContent": {"_value_1": copy.deepcopy(request)}}})
        message, rec = self.take("get-request-2", "GetRequest", provider, get_kw, "RequestMessage", deadline)
        req = message.Request
        check(req.SenderProvidedRequestData.MessageID == msg_id, "get-request-2: another request came")
        self.call("ack-request-2", "Ack", provider, {"AckTargetMessage": {
            "_value_1": req.MessageMetadata.MessageId, "Id": "SIGNED_BY_CALLER", "accepted": True}})
        status_id, rejected_id = str(uuid.uuid1()), str(uuid.uuid1())
        self.call("send-response-status", "SendResponse", provider, {"SenderProvidedResponseData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": status_id, "To": req.ReplyTo,
            "RequestStatus": {"StatusCode": 1, "StatusParameter": [{"Key": "stage", "Value": "registered"}],
                              "StatusDescription": "Исполнительный документ зарегистрирован"}}})
        self.call("send-response-rejected", "SendResponse", provider, {"SenderProvidedResponseData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": rejected_id, "To": req.ReplyTo,
            "RequestRejected": [{"RejectionReasonCode": "NO_DATA",
                                 "RejectionReasonDescription": "Должник не найден"}]}})
        got = {}
        for i in range(2):
            sel = self.fresh_selector(gr_kw)
            # These answers have no payload root: an empty selector. zeep
            # wants the optional inner sequence skipped explicitly.
            for k in ("NamespaceURI", "RootElementLocalName"):
                sel["MessageTypeSelector"][k] = zeep.xsd.SkipValue
            message, rec = self.take("get-response-2-%d" % i, "GetResponse", consumer, sel, "ResponseMessage", deadline)
            resp = message.Response
            data = resp.SenderProvidedResponseData
            got[data.MessageID] = data
            rec["fields"] = {"MessageID": data.MessageID, "OriginalMessageId": resp.OriginalMessageId,
                             "RequestStatus": None if data.RequestStatus is None else {
                                 "StatusCode": data.RequestStatus.StatusCode,
                                 "StatusParameter": [[p.Key, p.Value] for p in data.RequestStatus.StatusParameter],
                                 "StatusDescription": data.RequestStatus.StatusDescription},
                             "RequestRejected": [[r.RejectionReasonCode, r.RejectionReasonDescription]
                                                 for r in (data.RequestRejected or [])]}
            self.call("ack-response-2-%d" % i, "Ack", consumer, {"AckTargetMessage": {
                "_value_1": resp.MessageMetadata.MessageId, "Id": "SIGNED_BY_CALLER", "accepted": True}})
        check(status_id in got and got[status_id].RequestStatus is not None and
              got[status_id].RequestStatus.StatusCode == 1 and
              got[status_id].RequestStatus.StatusParameter[0].Value == "registered",
              "GetResponse: the RequestStatus answer was not parsed as sent")
        check(rejected_id in got and got[rejected_id].RequestRejected and
              got[rejected_id].RequestRejected[0].RejectionReasonCode == "NO_DATA",
              "GetResponse: the RequestRejected answer was not parsed as sent")
        out["statusResponse"], out["rejectedResponse"] = status_id, rejected_id

        # A request the provider refuses at delivery (Ack accepted=false).
        msg_id = str(uuid.uuid1())
        self.call("send-request-3", "SendRequest", consumer, {"SenderProvidedRequestData": {
            "Id": "SIGNED_BY_CALLER", "MessageID": msg_id, "MessagePrimaryContent": {"_value_1": copy.deepcopy(request)}}})
        message, rec = self.take("get-request-3", "GetRequest", provider, get_kw, "RequestMessage", deadline)
        check(message.Request.SenderProvidedRequestData.MessageID == msg_id, "get-request-3: another request came")
        self.call("ack-request-3-refused", "Ack", provider, {"AckTargetMessage": {
            "_value_1": message.Request.MessageMetadata.MessageId, "Id": "SIGNED_BY_CALLER", "accepted": False}})
        events = self.statuses("get-status-refused", consumer)
        refused = [e for e in events if e["OriginalMessageId"] == msg_id and e["StatusCategory"] == "requestIsRejectedBySmev"]
        check(refused and refused[0].get("SmevFault", {}).get("Code"),
              "GetStatus: no requestIsRejectedBySmev with an SmevFault for the refused request: %s" % events)
        out["refusedRequest"], out["refusedStatus"] = msg_id, refused[0]
        return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="the hub's 1.1 endpoint, e.g. http://127.0.0.1:8080/ws/1.1")
    p.add_argument("--wsdl-dir", required=True, help="the directory of the public SMEV 3 1.1 WSDL and schemas")
    p.add_argument("--pki", required=True, help="a development PKI: <MNEMONIC>.key/.crt and ca.crt")
    p.add_argument("--mezhved", required=True, help="the mezhved binary (dsig sign, dsig verify)")
    p.add_argument("--consumer", default="COURT01")
    p.add_argument("--provider", default="FSSP01")
    p.add_argument("--request-payload", required=True)
    p.add_argument("--response-payload", required=True)
    p.add_argument("--broadcast-payload", help="a request without its routing value, sent to every provider")
    p.add_argument("--broadcast-sender", default="FSSP01")
    p.add_argument("--broadcast-recipients", default="BANK044525225,BANK044525593")
    p.add_argument("--timeout", type=float, default=60, help="seconds for the whole flow's polling")
    args = p.parse_args()

    summary = {"zeep": zeep.__version__, "wsdl": os.path.join(args.wsdl_dir, WSDL_FILE)}
    d = None
    ok = False
    try:
        d = Driver(args)
        summary["operations"] = d.operations
        summary["flow"] = d.run()
        called = {c["operation"] for c in d.calls if c["called"] and c["parsed"]}
        missing = [op for op in d.operations if op not in called]
        check(not missing, "operations not called and parsed: %s" % missing)
        ok = True
    except CheckFailed as e:
        summary["error"] = str(e)
    except Exception as e:
        summary["error"] = "%s: %s" % (type(e).__name__, e)
        summary["traceback"] = traceback.format_exc()
    if d is not None:
        summary["calls"] = d.calls
    summary["ok"] = ok
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=1, default=jsonable)
    sys.stdout.write("\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
