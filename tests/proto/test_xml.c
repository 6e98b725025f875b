/*
 * proto/xml: the untrusted-input checks in front of Mini-XML (UD-44: no
 * DOCTYPE or entity declarations, bounded size and depth), and namespace
 * resolution independent of prefixes (UD-40, UD-151).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/xml.h"

static const struct xml_limits lim = { 4096, 8, 8 };

struct bad_case {
	const char *xml;
	int err;
};

static const struct bad_case bad_cases[] = {
	{ "", XML_ERR_SIZE },
	{ "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", XML_ERR_DOCTYPE },
	{ "<a><!ENTITY x \"y\"></a>", XML_ERR_DOCTYPE },
	{ "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]><lolz>&lol2;</lolz>", XML_ERR_DOCTYPE },
	{ "<a><![CDATA[x]]></a>", XML_ERR_CDATA },
	{ "<a><?php x ?></a>", XML_ERR_PI },
	{ " <?xml version=\"1.0\"?><a/>", XML_ERR_PI },
	{ "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>", XML_ERR_ENCODING },
	{ "<a><b><c><d><e><f><g><h><i/></h></g></f></e></d></c></b></a>", XML_ERR_DEPTH },
	{ "<a x=\"1\" x=\"2\"/>", XML_ERR_ATTR },
	{ "<a b=\"1\" c=\"1\" d=\"1\" e=\"1\" f=\"1\" g=\"1\" h=\"1\" i=\"1\" j=\"1\"/>", XML_ERR_ATTR },
	{ "<a></b>", XML_ERR_SYNTAX },
	{ "<a>", XML_ERR_SYNTAX },
	{ "<a/><b/>", XML_ERR_SYNTAX },
	{ "text<a/>", XML_ERR_SYNTAX },
	{ "<a x=1/>", XML_ERR_SYNTAX },
	{ "<a x=\"<\"/>", XML_ERR_SYNTAX },
	{ "<a>&unknown;</a>", XML_ERR_SYNTAX },
	{ "<a>&nbsp;</a>", XML_ERR_SYNTAX },          /* HTML, not XML */
	{ "<a x=\"&eacute;\"/>", XML_ERR_SYNTAX },
	{ "<a>&#0;</a>", XML_ERR_SYNTAX },            /* NUL by reference */
	{ "<a>&#x1;</a>", XML_ERR_SYNTAX },
	{ "<a>&#xD800;</a>", XML_ERR_SYNTAX },
	{ "<a>&#x110000;</a>", XML_ERR_SYNTAX },
	{ "<a>&#;</a>", XML_ERR_SYNTAX },
	{ "<a>&#x;</a>", XML_ERR_SYNTAX },
	{ "<a>&amp</a>", XML_ERR_SYNTAX },
	{ "<a>&#12a;</a>", XML_ERR_SYNTAX },
	{ "<a>\xC3\x28</a>", XML_ERR_UTF8 },
	{ "<a>\xE0\x80\xAF</a>", XML_ERR_UTF8 },   /* overlong '/' */
	{ "<a>\xED\xA0\x80</a>", XML_ERR_UTF8 },   /* surrogate */
	{ "<a>\x01</a>", XML_ERR_UTF8 },
	{ "<a", XML_ERR_SYNTAX },
	{ "<a><!-- x", XML_ERR_SYNTAX },
};

static void
test_rejects_hostile(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		size_t len = strlen(bad_cases[i].xml);
		char *buf = malloc(len ? len : 1);
		mxml_node_t *doc, *root;
		char why[128];
		int rc;

		memcpy(buf, bad_cases[i].xml, len);
		rc = xml_parse(buf, len, &lim, &doc, &root, why, sizeof(why));
		if (rc != bad_cases[i].err)
			fail_msg("case %zu (%s): got %d (%s), want %d", i,
			    bad_cases[i].xml, rc, why, bad_cases[i].err);
		assert_null(doc);
		free(buf);
	}
}

static void
test_nul_and_size(void **state)
{
	static const char nul[] = "<a>\0</a>";
	mxml_node_t *doc, *root;
	char big[5000];

	(void)state;
	assert_int_equal(xml_parse(nul, sizeof(nul) - 1, &lim, &doc, &root, NULL, 0), XML_ERR_NUL);
	memset(big, ' ', sizeof(big));
	memcpy(big, "<a>", 3);
	memcpy(big + sizeof(big) - 4, "</a>", 4);
	assert_int_equal(xml_parse(big, sizeof(big), &lim, &doc, &root, NULL, 0), XML_ERR_SIZE);
}

/* The same document under three prefix choices resolves identically. */
static void
test_namespaces(void **state)
{
	static const char *docs[] = {
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<m xmlns=\"urn:x\" a=\"1\"><k b=\"2\"/></m>",
		"<p:m xmlns:p=\"urn:x\" a=\"1\"><p:k b=\"2\"/></p:m>",
		"<!-- c --><ns0:m xmlns:ns0='urn:x' a='1'>\n <!-- d --> <ns0:k b='2'></ns0:k>\n</ns0:m>",
	};
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		mxml_node_t *doc, *root, *k;
		const char *ns, *name, *v;
		bool bad = false;
		int seen_a = 0;

		assert_int_equal(xml_parse(docs[i], strlen(docs[i]), &lim, &doc, &root, NULL, 0), 0);
		assert_true(xml_is(root, "urn:x", "m"));
		assert_false(xml_is(root, "urn:y", "m"));
		for (int j = 0; (v = xml_attr(root, j, &ns, &name)) != NULL; j++) {
			if (name == NULL)
				continue; /* xmlns declaration */
			assert_null(ns);
			assert_string_equal(name, "a");
			assert_string_equal(v, "1");
			seen_a++;
		}
		assert_int_equal(seen_a, 1);
		k = xml_next_element(root, NULL, &bad);
		assert_true(xml_is(k, "urn:x", "k"));
		assert_null(xml_next_element(root, k, &bad));
		assert_false(bad);
		mxmlDelete(doc);
	}
}

static void
test_undeclared_prefix(void **state)
{
	static const char doc_s[] = "<q:m xmlns:p=\"urn:x\"/>";
	mxml_node_t *doc, *root;
	const char *ns, *local;

	(void)state;
	assert_int_equal(xml_parse(doc_s, strlen(doc_s), &lim, &doc, &root, NULL, 0), 0);
	assert_int_equal(xml_name(root, &ns, &local), XML_ERR_NS);
	assert_false(xml_is(root, "urn:x", "m"));
	mxmlDelete(doc);
}

static void
test_text_and_entities(void **state)
{
	static const char doc_s[] = "<a xml:lang=\"en-US\">x &amp; &lt;y&gt; &#65;&#x42;&quot;&apos;<!-- c -->z</a>";
	mxml_node_t *doc, *root;
	const char *ns, *name, *v;
	char *t;
	bool bad = false;

	(void)state;
	assert_int_equal(xml_parse(doc_s, strlen(doc_s), &lim, &doc, &root, NULL, 0), 0);
	t = xml_text(root);
	assert_non_null(t);
	assert_string_equal(t, "x & <y> AB\"'z");
	free(t);
	v = xml_attr(root, 0, &ns, &name);
	assert_string_equal(v, "en-US");
	assert_string_equal(ns, XML_NS_XML);
	assert_string_equal(name, "lang");
	/* Non-blank text between child elements is flagged. */
	assert_null(xml_next_element(root, NULL, &bad));
	assert_true(bad);
	mxmlDelete(doc);
}

/* Every truncation of a valid document, in an exactly sized buffer. */
static void
test_truncations(void **state)
{
	static const char doc_s[] = "<?xml version=\"1.0\"?><m xmlns=\"urn:x\" a=\"1\"><k>t</k></m>";
	size_t n = strlen(doc_s);

	(void)state;
	for (size_t len = 0; len < n; len++) {
		char *buf = malloc(len ? len : 1);
		mxml_node_t *doc, *root;

		memcpy(buf, doc_s, len);
		assert_int_not_equal(xml_parse(buf, len, &lim, &doc, &root, NULL, 0), 0);
		assert_null(doc);
		free(buf);
	}
}

static void
test_save_roundtrip(void **state)
{
	mxml_node_t *doc = mxmlNewXML("1.0"), *m, *doc2, *root2;
	char *out = NULL;
	size_t len = 0;

	(void)state;
	m = mxmlNewElement(doc, "m");
	mxmlElementSetAttr(m, "xmlns", "urn:x");
	mxmlElementSetAttr(m, "v", "a\"b<c>&d");
	mxmlNewOpaque(mxmlNewElement(m, "k"), "x & y");
	mxmlNewElement(m, "e");
	assert_int_equal(xml_save(doc, &out, &len), 0);
	assert_int_equal(xml_parse(out, len, &lim, &doc2, &root2, NULL, 0), 0);
	assert_string_equal(mxmlElementGetAttr(root2, "v"), "a\"b<c>&d");
	{
		bool bad = false;
		mxml_node_t *k = xml_next_element(root2, NULL, &bad);
		char *t = xml_text(k);
		assert_string_equal(t, "x & y");
		free(t);
		assert_false(bad);
	}
	mxmlDelete(doc);
	mxmlDelete(doc2);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rejects_hostile),
		cmocka_unit_test(test_nul_and_size),
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_undeclared_prefix),
		cmocka_unit_test(test_text_and_entities),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_save_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
