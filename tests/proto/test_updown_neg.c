/*
 * proto/updown hostile and malformed messages: each must fail with the
 * exact error code and the exact answer the server owes (UD-8 HTTP 400,
 * UD-41 1102, UD-42 1103, UD-44 2001 / 1203, UD-63 1203), checked in the
 * RFC 6492 section 3.2 order. Plus accepted edge cases of the schema.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/updown.h"

void tu_roundtrip(const struct ud_msg *m, const char *what);

#define NS "http://www.apnic.net/specs/rescerts/up-down/"
#define HDR "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define MSG(type) "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" recipient=\"p\" type=\"" type "\">"
#define END "</message>"
/* 4 octets of base64: the schema minimum. */
#define B64 "AAAAAA=="
#define CLASS_ATTRS "class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" " \
	"resource_set_as=\"64496\" resource_set_ipv4=\"192.0.2.0/24\" " \
	"resource_set_ipv6=\"2001:db8::/32\" resource_set_notafter=\"2030-01-01T00:00:00Z\""
#define CLASS_WITH(attrs) "<class " attrs "><issuer>" B64 "</issuer></class>"
#define LR(body) HDR MSG("list_response") body END
#define ISSUE(attrs, b64) HDR MSG("issue") "<request " attrs ">" b64 "</request>" END
#define REVOKE(ski) HDR MSG("revoke") "<key class_name=\"A\" ski=\"" ski "\"/>" END
#define ERR(body) HDR MSG("error_response") body END
#define SKI "CfAUC3n7C_-o71S57D65i9DLnOw"

#define S400 UD_STATUS_HTTP_400
#define S1102 UD_STATUS_VERSION
#define S1103 UD_STATUS_BAD_TYPE
#define S1203 UD_STATUS_BAD_CSR
#define S2001 UD_STATUS_INTERNAL

struct neg {
	const char *name;
	const char *xml;
	int code;
	unsigned status;
};

static const struct neg negs[] = {
	/* Not well-formed or refused by the XML layer: HTTP 400 (UD-8, UD-44). */
	{ "empty", "", UD_ERR_XML, S400 },
	{ "DOCTYPE with entity", HDR "<!DOCTYPE message [<!ENTITY x \"y\">]>"
	  MSG("list") END, UD_ERR_XML, S400 },
	{ "undefined entity", HDR MSG("error_response") "<status>&x;</status>" END, UD_ERR_XML, S400 },
	{ "billion laughs", "<!DOCTYPE m [<!ENTITY a \"aa\"><!ENTITY b \"&a;&a;\">]><m>&b;</m>",
	  UD_ERR_XML, S400 },
	{ "CDATA", HDR MSG("error_response") "<status><![CDATA[2001]]></status>" END, UD_ERR_XML, S400 },
	{ "processing instruction", HDR MSG("list") "<?x y?>" END, UD_ERR_XML, S400 },
	{ "duplicate attribute", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" "
	  "sender=\"d\" recipient=\"p\" type=\"list\"/>", UD_ERR_XML, S400 },
	{ "unclosed root", HDR MSG("list"), UD_ERR_XML, S400 },
	{ "two roots", HDR MSG("list") END MSG("list") END, UD_ERR_XML, S400 },
	{ "latin-1 byte", HDR MSG("list") "\xe9" END, UD_ERR_XML, S400 },
	{ "ISO-8859-1 declared", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" MSG("list") END,
	  UD_ERR_XML, S400 },
	{ "too deep", LR("<class><a><b><c><d><e><f><g><h/></g></f></e></d></c></b></a></class>"),
	  UD_ERR_XML, S400 },
	{ "undeclared prefix", LR("<x:class/>"), UD_ERR_XML, S400 },
	/* Not an up-down message: 400 (UD-40). */
	{ "wrong root", HDR "<msg xmlns=\"" NS "\" version=\"1\" sender=\"c\" recipient=\"p\" "
	  "type=\"list\"/>", UD_ERR_ROOT, S400 },
	{ "no namespace", HDR "<message version=\"1\" sender=\"c\" recipient=\"p\" type=\"list\"/>",
	  UD_ERR_ROOT, S400 },
	{ "namespace without slash", HDR "<message xmlns=\"http://www.apnic.net/specs/rescerts/up-down\" "
	  "version=\"1\" sender=\"c\" recipient=\"p\" type=\"list\"/>", UD_ERR_ROOT, S400 },
	{ "RFC 8183 namespace", HDR "<message xmlns=\"http://www.hactrn.net/uris/rpki/rpki-setup/\" "
	  "version=\"1\" sender=\"c\" recipient=\"p\" type=\"list\"/>", UD_ERR_ROOT, S400 },
	/* sender / recipient: 400, before the version check (UD-8, UD-39, UD-45). */
	{ "no sender", HDR "<message xmlns=\"" NS "\" version=\"1\" recipient=\"p\" type=\"list\"/>",
	  UD_ERR_PEER, S400 },
	{ "empty sender", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"\" recipient=\"p\" "
	  "type=\"list\"/>", UD_ERR_PEER, S400 },
	{ "blank sender", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\" \t \" recipient=\"p\" "
	  "type=\"list\"/>", UD_ERR_PEER, S400 },
	{ "no recipient", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" type=\"list\"/>",
	  UD_ERR_PEER, S400 },
	{ "no recipient, bad version", HDR "<message xmlns=\"" NS "\" version=\"2\" sender=\"c\" "
	  "type=\"list\"/>", UD_ERR_PEER, S400 },
	{ "sender control character", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"a&#1;\" "
	  "recipient=\"p\" type=\"list\"/>", UD_ERR_XML, S400 },
	{ "qualified sender", HDR "<message xmlns=\"" NS "\" xmlns:u=\"" NS "\" version=\"1\" "
	  "u:sender=\"c\" recipient=\"p\" type=\"list\"/>", UD_ERR_PEER, S400 },
	/* version: 1102 (UD-41). */
	{ "version 2", HDR "<message xmlns=\"" NS "\" version=\"2\" sender=\"c\" recipient=\"p\" "
	  "type=\"list\"/>", UD_ERR_VERSION, S1102 },
	{ "version 0", HDR "<message xmlns=\"" NS "\" version=\"0\" sender=\"c\" recipient=\"p\" "
	  "type=\"list\"/>", UD_ERR_VERSION, S1102 },
	{ "version 1.0", HDR "<message xmlns=\"" NS "\" version=\"1.0\" sender=\"c\" recipient=\"p\" "
	  "type=\"list\"/>", UD_ERR_VERSION, S1102 },
	{ "no version", HDR "<message xmlns=\"" NS "\" sender=\"c\" recipient=\"p\" type=\"list\"/>",
	  UD_ERR_VERSION, S1102 },
	{ "version 2, unknown type", HDR "<message xmlns=\"" NS "\" version=\"2\" sender=\"c\" "
	  "recipient=\"p\" type=\"foo\"/>", UD_ERR_VERSION, S1102 },
	/* type: 1103 (UD-42). */
	{ "type foo", HDR MSG("foo") END, UD_ERR_TYPE, S1103 },
	{ "type List", HDR MSG("List") END, UD_ERR_TYPE, S1103 },
	{ "no type", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" recipient=\"p\"/>",
	  UD_ERR_TYPE, S1103 },
	{ "unknown type with junk body", HDR MSG("foo") "<junk/>" END, UD_ERR_TYPE, S1103 },
	/* Unknown attributes and elements: 2001, or 1203 in an issue (UD-44). */
	{ "unknown message attribute", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" "
	  "recipient=\"p\" type=\"list\" extra=\"x\"/>", UD_ERR_ATTR, S2001 },
	{ "xml:lang on message", HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" "
	  "recipient=\"p\" type=\"list\" xml:lang=\"en\"/>", UD_ERR_ATTR, S2001 },
	{ "list with a class (UD-50)", HDR MSG("list") CLASS_WITH(CLASS_ATTRS) END,
	  UD_ERR_ELEMENT, S2001 },
	{ "list with text (UD-50)", HDR MSG("list") "x" END, UD_ERR_ELEMENT, S2001 },
	{ "unknown element in list_response", LR("<klass/>"), UD_ERR_ELEMENT, S2001 },
	{ "class in a foreign namespace", LR("<class xmlns=\"urn:x\" " CLASS_ATTRS
	  "><issuer>" B64 "</issuer></class>"), UD_ERR_ELEMENT, S2001 },
	{ "text between classes", LR("x" CLASS_WITH(CLASS_ATTRS)), UD_ERR_ELEMENT, S2001 },
	{ "unknown class attribute", LR(CLASS_WITH(CLASS_ATTRS " foo=\"1\"")), UD_ERR_ATTR, S2001 },
	{ "qualified class attribute", LR("<class xmlns:u=\"" NS "\" " CLASS_ATTRS
	  " u:class_name=\"B\"><issuer>" B64 "</issuer></class>"), UD_ERR_ATTR, S2001 },
	{ "class without resource_set_as", LR(CLASS_WITH("class_name=\"A\" "
	  "cert_url=\"rsync://p.example/a.cer\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_ATTR, S2001 },
	{ "class without issuer (UD-55)", LR("<class " CLASS_ATTRS "/>"), UD_ERR_ELEMENT, S2001 },
	{ "class with two issuers (UD-55)", LR("<class " CLASS_ATTRS "><issuer>" B64 "</issuer>"
	  "<issuer>" B64 "</issuer></class>"), UD_ERR_ELEMENT, S2001 },
	{ "issuer before certificate", LR("<class " CLASS_ATTRS "><issuer>" B64 "</issuer>"
	  "<certificate cert_url=\"rsync://p.example/c.cer\">" B64 "</certificate></class>"),
	  UD_ERR_ELEMENT, S2001 },
	{ "unknown element in class", LR("<class " CLASS_ATTRS "><foo/><issuer>" B64
	  "</issuer></class>"), UD_ERR_ELEMENT, S2001 },
	{ "element inside issuer", LR("<class " CLASS_ATTRS "><issuer><x/></issuer></class>"),
	  UD_ERR_ELEMENT, S2001 },
	{ "attribute on issuer", LR("<class " CLASS_ATTRS "><issuer a=\"1\">" B64
	  "</issuer></class>"), UD_ERR_ATTR, S2001 },
	{ "certificate without cert_url", LR("<class " CLASS_ATTRS "><certificate>" B64
	  "</certificate><issuer>" B64 "</issuer></class>"), UD_ERR_ATTR, S2001 },
	/* Values (UD-44, UD-52, UD-53, UD-58). */
	{ "bad notafter: no Z", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00\"")), UD_ERR_TIME, S2001 },
	{ "bad notafter: offset", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00+00:00\"")), UD_ERR_TIME, S2001 },
	{ "bad notafter: fraction", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00.5Z\"")), UD_ERR_TIME, S2001 },
	{ "bad notafter: Feb 30", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-02-30T00:00:00Z\"")), UD_ERR_TIME, S2001 },
	{ "bad notafter: space", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01 00:00:00Z\"")), UD_ERR_TIME, S2001 },
	{ "cert_url without rsync", LR(CLASS_WITH("class_name=\"A\" cert_url=\"https://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_URI, S2001 },
	{ "cert_url with a space", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a b.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_URI, S2001 },
	{ "cert_url with empty item", LR(CLASS_WITH("class_name=\"A\" "
	  "cert_url=\"rsync://p.example/a.cer,,rsync://q.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_URI, S2001 },
	{ "cert_url with bad escape", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a%2\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_URI, S2001 },
	{ "cert_url too short", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_URI, S2001 },
	{ "sia head not rsync (UD-53)", LR(CLASS_WITH(CLASS_ATTRS
	  " suggested_sia_head=\"https://p.example/\"")), UD_ERR_URI, S2001 },
	{ "IPv6 in resource_set_ipv4", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"2001:db8::/32\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_RESOURCES, S2001 },
	{ "IPv4 in resource_set_ipv6", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"192.0.2.0/24\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_RESOURCES, S2001 },
	{ "AS prefix", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"AS64496\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_RESOURCES, S2001 },
	{ "space in a resource set", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"1, 2\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_RESOURCES, S2001 },
	{ "IPv4 prefix with host bits", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"192.0.2.1/24\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_RESOURCES, S2001 },
	{ "AS range reversed", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"10-5\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_RESOURCES, S2001 },
	{ "empty class_name", LR(CLASS_WITH("class_name=\"\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")), UD_ERR_VALUE, S2001 },
	{ "bad issuer base64", LR("<class " CLASS_ATTRS "><issuer>AAAA*AAA</issuer></class>"),
	  UD_ERR_BASE64, S2001 },
	/* issue_response: one class, one certificate (UD-67). */
	{ "issue_response without class", HDR MSG("issue_response") END, UD_ERR_ELEMENT, S2001 },
	{ "issue_response without certificate", HDR MSG("issue_response")
	  CLASS_WITH(CLASS_ATTRS) END, UD_ERR_ELEMENT, S2001 },
	{ "issue_response with two classes", HDR MSG("issue_response")
	  CLASS_WITH(CLASS_ATTRS) CLASS_WITH(CLASS_ATTRS) END, UD_ERR_ELEMENT, S2001 },
	/* issue: every body problem is 1203 (UD-60, UD-63). */
	{ "issue without class_name", ISSUE("", B64), UD_ERR_ATTR, S1203 },
	{ "issue without request", HDR MSG("issue") END, UD_ERR_ELEMENT, S1203 },
	{ "issue with two requests", HDR MSG("issue") "<request class_name=\"A\">" B64 "</request>"
	  "<request class_name=\"A\">" B64 "</request>" END, UD_ERR_ELEMENT, S1203 },
	{ "issue with unknown attribute", ISSUE("class_name=\"A\" foo=\"\"", B64), UD_ERR_ATTR, S1203 },
	{ "issue with bad base64 character", ISSUE("class_name=\"A\"", "AAAA!AAA"), UD_ERR_BASE64, S1203 },
	{ "issue with non-zero pad bits", ISSUE("class_name=\"A\"", "AAAAAB=="), UD_ERR_BASE64, S1203 },
	{ "issue with missing padding", ISSUE("class_name=\"A\"", "AAAAAA"), UD_ERR_BASE64, S1203 },
	{ "issue with 2-octet CSR", ISSUE("class_name=\"A\"", "AAA="), UD_ERR_BASE64, S1203 },
	{ "issue with empty CSR", ISSUE("class_name=\"A\"", ""), UD_ERR_BASE64, S1203 },
	{ "issue with IPv6 in req ipv4", ISSUE("class_name=\"A\" req_resource_set_ipv4=\"2001:db8::/32\"",
	  B64), UD_ERR_RESOURCES, S1203 },
	{ "issue with bad req AS", ISSUE("class_name=\"A\" req_resource_set_as=\"x\"", B64),
	  UD_ERR_RESOURCES, S1203 },
	{ "issue with element in request", ISSUE("class_name=\"A\"", "<x/>" B64), UD_ERR_ELEMENT, S1203 },
	/* revoke (UD-110). */
	{ "revoke ski too short", REVOKE("CfAUC3n7C_-o71S57D65i9DLnO"), UD_ERR_SKI, S2001 },
	{ "revoke ski standard base64", REVOKE("CfAUC3n7C/+o71S57D65i9DLnOw"), UD_ERR_SKI, S2001 },
	{ "revoke ski 21 octets", REVOKE("CfAUC3n7C_-o71S57D65i9DLnOwA"), UD_ERR_SKI, S2001 },
	{ "revoke ski pad bits", REVOKE("CfAUC3n7C_-o71S57D65i9DLnOx"), UD_ERR_SKI, S2001 },
	{ "revoke without key", HDR MSG("revoke") END, UD_ERR_ELEMENT, S2001 },
	{ "revoke without ski", HDR MSG("revoke") "<key class_name=\"A\"/>" END, UD_ERR_ATTR, S2001 },
	{ "revoke key with content", HDR MSG("revoke") "<key class_name=\"A\" ski=\"" SKI "\">x</key>"
	  END, UD_ERR_ELEMENT, S2001 },
	{ "revoke with two keys", HDR MSG("revoke") "<key class_name=\"A\" ski=\"" SKI "\"/>"
	  "<key class_name=\"A\" ski=\"" SKI "\"/>" END, UD_ERR_ELEMENT, S2001 },
	/* error_response (UD-120). */
	{ "status 0", ERR("<status>0</status>"), UD_ERR_STATUS, S2001 },
	{ "status 10000", ERR("<status>10000</status>"), UD_ERR_STATUS, S2001 },
	{ "status -1", ERR("<status>-1</status>"), UD_ERR_STATUS, S2001 },
	{ "status text", ERR("<status>error</status>"), UD_ERR_STATUS, S2001 },
	{ "no status", ERR("<description xml:lang=\"en-US\">x</description>"), UD_ERR_ELEMENT, S2001 },
	{ "description first", ERR("<description xml:lang=\"en-US\">x</description><status>2001</status>"),
	  UD_ERR_ELEMENT, S2001 },
	{ "two statuses", ERR("<status>2001</status><status>2001</status>"), UD_ERR_ELEMENT, S2001 },
	{ "description without xml:lang", ERR("<status>2001</status><description>x</description>"),
	  UD_ERR_ATTR, S2001 },
	{ "description with lang attribute", ERR("<status>2001</status>"
	  "<description lang=\"en-US\">x</description>"), UD_ERR_ATTR, S2001 },
	{ "bad language tag", ERR("<status>2001</status><description xml:lang=\"en_US\">x</description>"),
	  UD_ERR_VALUE, S2001 },
	{ "no en-US description (UD-120)", ERR("<status>2001</status>"
	  "<description xml:lang=\"de\">x</description>"), UD_ERR_VALUE, S2001 },
	{ "9 descriptions", ERR("<status>2001</status>"
	  "<description xml:lang=\"en-US\">1</description><description xml:lang=\"en-US\">2</description>"
	  "<description xml:lang=\"en-US\">3</description><description xml:lang=\"en-US\">4</description>"
	  "<description xml:lang=\"en-US\">5</description><description xml:lang=\"en-US\">6</description>"
	  "<description xml:lang=\"en-US\">7</description><description xml:lang=\"en-US\">8</description>"
	  "<description xml:lang=\"en-US\">9</description>"), UD_ERR_LIMIT, S2001 },
	{ "description with element", ERR("<status>2001</status>"
	  "<description xml:lang=\"en-US\">a<b/></description>"), UD_ERR_ELEMENT, S2001 },
};

#define NNEGS (sizeof(negs) / sizeof(negs[0]))

static int
decode_str(const char *xml, size_t len, struct ud_msg *m, struct ud_error *err)
{
	char *buf = malloc(len ? len : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, xml, len);
	rc = ud_decode(buf, len, m, err);
	free(buf);
	return rc;
}

static void
check_neg(const char *name, const char *xml, int code, unsigned status)
{
	struct ud_error err;
	struct ud_msg m;
	int rc = decode_str(xml, strlen(xml), &m, &err);

	if (rc != code || err.code != code || err.status != status)
		fail_msg("%s: got %d/%u (%s), want %d/%u", name, rc, err.status, err.reason,
		    code, status);
	assert_true(strstr(err.reason, "RFC 6492") != NULL);
	/* Past the envelope checks, the reply can be addressed (UD-121). */
	if (status != UD_STATUS_HTTP_400) {
		assert_string_equal(m.sender, "c");
		assert_string_equal(m.recipient, "p");
	}
	ud_msg_free(&m);
}

static void
test_negative_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NNEGS; i++)
		check_neg(negs[i].name, negs[i].xml, negs[i].code, negs[i].status);
}

/* Cases built at run time: long values and many elements. */
static void
test_generated(void **state)
{
	char *name = malloc(1026), *xml = malloc(600000), *p;

	(void)state;
	memset(name, 'x', 1025);
	name[1025] = '\0';
	/* class_name of 1025 characters in an issue: 1203 (UD-44, UD-63). */
	snprintf(xml, 600000, HDR MSG("issue") "<request class_name=\"%s\">" B64 "</request>" END, name);
	check_neg("long issue class_name", xml, UD_ERR_VALUE, S1203);
	/* ... and exactly 1024 is fine. */
	name[1024] = '\0';
	snprintf(xml, 600000, HDR MSG("issue") "<request class_name=\"%s\">" B64 "</request>" END, name);
	{
		struct ud_msg m;
		assert_int_equal(decode_str(xml, strlen(xml), &m, NULL), 0);
		assert_int_equal(strlen(m.issue.class_name), 1024);
		tu_roundtrip(&m, "1024-character class_name");
		ud_msg_free(&m);
	}
	/* Multi-byte characters count as one: 1024 x U+00E9 = 2048 bytes. */
	p = xml + sprintf(xml, HDR "<message xmlns=\"" NS "\" version=\"1\" recipient=\"p\" "
	    "type=\"list\" sender=\"");
	for (int i = 0; i < 1024; i++)
		p += sprintf(p, "\xc3\xa9");
	sprintf(p, "\"/>");
	{
		struct ud_msg m;
		assert_int_equal(decode_str(xml, strlen(xml), &m, NULL), 0);
		assert_int_equal(strlen(m.sender), 2048);
		ud_msg_free(&m);
	}
	/* sender of 1025 characters: 400 (UD-40). */
	snprintf(xml, 600000, HDR "<message xmlns=\"" NS "\" version=\"1\" sender=\"%sxx\" "
	    "recipient=\"p\" type=\"list\"/>", name);
	check_neg("long sender", xml, UD_ERR_PEER, S400);
	/* description of 1025 characters. */
	name[1024] = 'x';
	snprintf(xml, 600000, ERR("<status>2001</status><description xml:lang=\"en-US\">%s"
	    "</description>"), name);
	check_neg("long description", xml, UD_ERR_VALUE, S2001);
	/* ski of 1025 characters. */
	snprintf(xml, 600000, HDR MSG("revoke") "<key class_name=\"A\" ski=\"%s\"/>" END, name);
	check_neg("long ski", xml, UD_ERR_SKI, S2001);
	/* UD_MAX_CLASSES + 1 classes: a limit of ours, 2001. */
	p = xml + sprintf(xml, HDR MSG("list_response"));
	for (int i = 0; i <= UD_MAX_CLASSES; i++)
		p += sprintf(p, "<class/>");
	sprintf(p, END);
	check_neg("too many classes", xml, UD_ERR_LIMIT, S2001);
	/* UD_MAX_CERTS + 1 certificates. */
	p = xml + sprintf(xml, HDR MSG("list_response") "<class " CLASS_ATTRS ">");
	for (int i = 0; i <= UD_MAX_CERTS; i++)
		p += sprintf(p, "<certificate cert_url=\"rsync://p.example/c.cer\">" B64 "</certificate>");
	sprintf(p, "<issuer>" B64 "</issuer></class>" END);
	check_neg("too many certificates", xml, UD_ERR_LIMIT, S2001);
	/* A resource set over 512000 characters (UD-4, UD-44). */
	p = xml + sprintf(xml, HDR MSG("issue") "<request class_name=\"A\" req_resource_set_as=\"");
	for (int i = 0; i < 512000 / 8 + 1; i++)
		p += sprintf(p, "%s%07d", i ? "," : "", i * 2);
	sprintf(p, "\">" B64 "</request>" END);
	check_neg("resource set too long", xml, UD_ERR_RESOURCES, S1203);
	/* A document over UD_MAX_MESSAGE: 400. */
	{
		size_t big = UD_MAX_MESSAGE + 1;
		char *b = malloc(big);
		struct ud_error err;
		struct ud_msg m;

		memset(b, ' ', big);
		memcpy(b, "<a/>", 4);
		assert_int_equal(ud_decode(b, big, &m, &err), UD_ERR_XML);
		assert_int_equal(err.status, S400);
		ud_msg_free(&m);
		free(b);
	}
	free(name);
	free(xml);
}

/* UD-42: the server's decoder refuses response types with 1103. */
static void
test_request_only(void **state)
{
	static const char *const types[] = {
		"list_response", "issue_response", "revoke_response", "error_response",
	};
	char xml[512];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		struct ud_error err;
		struct ud_msg m;

		snprintf(xml, sizeof(xml), HDR MSG("%s") END, types[i]);
		assert_int_equal(ud_decode_request(xml, strlen(xml), &m, &err), UD_ERR_TYPE);
		assert_int_equal(err.status, S1103);
		assert_string_equal(m.sender, "c");
		ud_msg_free(&m);
	}
	snprintf(xml, sizeof(xml), HDR MSG("list") END);
	{
		struct ud_msg m;
		assert_int_equal(ud_decode_request(xml, strlen(xml), &m, NULL), 0);
		assert_int_equal(m.type, UD_LIST);
		ud_msg_free(&m);
	}
	assert_true(ud_type_is_request(UD_LIST));
	assert_true(ud_type_is_request(UD_ISSUE));
	assert_true(ud_type_is_request(UD_REVOKE));
	assert_false(ud_type_is_request(UD_ERROR_RESPONSE));
	assert_false(ud_type_is_request(UD_LIST_RESPONSE));
	assert_false(ud_type_is_request(UD_TYPE_NONE));
}

struct pos {
	const char *name;
	const char *xml;
};

/* Schema-valid forms that must be accepted (and re-encode). */
static const struct pos poss[] = {
	{ "prefixed elements (UD-40)", HDR "<ud:message xmlns:ud=\"" NS "\" version=\"1\" sender=\"c\" "
	  "recipient=\"p\" type=\"list_response\"><ud:class " CLASS_ATTRS "><ud:issuer>" B64
	  "</ud:issuer></ud:class></ud:message>" },
	{ "empty list_response (UD-51)", HDR MSG("list_response") END },
	{ "comments and white space", HDR "<!-- x -->" MSG("list") "\n  <!-- y -->\n" END "\n" },
	{ "no XML declaration", MSG("list") END },
	{ "single quotes", "<message xmlns='" NS "' version='1' sender='c' recipient='p' type='list'/>" },
	{ "version +1 and 01", "<message xmlns=\"" NS "\" version=\" 01 \" sender=\"c\" recipient=\"p\" "
	  "type=\"list\"/>" },
	{ "type with white space (xsd:token)", "<message xmlns=\"" NS "\" version=\"1\" sender=\"c\" "
	  "recipient=\"p\" type=\" list \"/>" },
	{ "status 9999, unknown code", ERR("<status> 9999 </status>") },
	{ "description in two languages", ERR("<status>1101</status>"
	  "<description xml:lang=\"de-DE\">bitte warten</description>"
	  "<description xml:lang=\"en-us\">wait</description>") },
	{ "empty description", ERR("<status>1101</status><description xml:lang=\"en-US\"/>") },
	{ "description with markup characters", ERR("<status>2001</status>"
	  "<description xml:lang=\"en-US\"> a &lt;b&gt; &amp; \"c\" \xc3\xa9 </description>") },
	{ "base64 with spaces and CRLF (UD-60)", ISSUE("class_name=\"A\"", " AAAA\r\n AA== ") },
	{ "non-canonical resource sets (UD-58)", ISSUE("class_name=\"A\" req_resource_set_as=\"5,1-4,3\" "
	  "req_resource_set_ipv4=\"10.0.0.0-10.0.0.255,10.0.1.0/24\" "
	  "req_resource_set_ipv6=\"2001:DB8:0:0::/32\"", B64) },
	{ "escaped comma in cert_url", LR(CLASS_WITH("class_name=\"A\" "
	  "cert_url=\"rsync://p.example/a%2Cb.cer,https://p.example/a%2cb.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2030-01-01T00:00:00Z\"")) },
	{ "sia head", LR(CLASS_WITH(CLASS_ATTRS " suggested_sia_head=\"rsync://p.example/r/c/\"")) },
	{ "xmlns declarations on children", LR("<class xmlns=\"" NS "\" xmlns:x=\"urn:x\" " CLASS_ATTRS
	  "><issuer xmlns=\"" NS "\">" B64 "</issuer></class>") },
	{ "leap day", LR(CLASS_WITH("class_name=\"A\" cert_url=\"rsync://p.example/a.cer\" "
	  "resource_set_as=\"\" resource_set_ipv4=\"\" resource_set_ipv6=\"\" "
	  "resource_set_notafter=\"2024-02-29T23:59:59Z\"")) },
	{ "padded ski (UD-110)", REVOKE("CfAUC3n7C_-o71S57D65i9DLnOw=") },
};

static void
test_positive_edges(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(poss) / sizeof(poss[0]); i++) {
		struct ud_error err;
		struct ud_msg m;
		int rc = decode_str(poss[i].xml, strlen(poss[i].xml), &m, &err);

		if (rc != 0)
			fail_msg("%s: %s", poss[i].name, err.reason);
		tu_roundtrip(&m, poss[i].name);
		ud_msg_free(&m);
	}
}

/* Token normalisation and value details of the accepted forms. */
static void
test_normalisation(void **state)
{
	static const char x1[] = "<message xmlns=\"" NS "\" version=\"1\" sender=\"  a \t b \" "
	    "recipient=\"p\" type=\"error_response\"><status>+0042</status>"
	    "<description xml:lang=\"en-US\"> keep  this </description></message>";
	struct ud_msg m;

	(void)state;
	assert_int_equal(decode_str(x1, strlen(x1), &m, NULL), 0);
	assert_string_equal(m.sender, "a b");
	assert_int_equal(m.error.status, 42);
	assert_false(ud_status_known(42));
	assert_string_equal(m.error.desc[0].text, " keep  this ");
	ud_msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negative_table),
		cmocka_unit_test(test_generated),
		cmocka_unit_test(test_request_only),
		cmocka_unit_test(test_positive_edges),
		cmocka_unit_test(test_normalisation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
