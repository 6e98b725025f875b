/*
 * Safe XML loading on top of Mini-XML, shared by the RFC 6492 and RFC 8183
 * codecs.
 *
 * Mini-XML is not a validating or namespace-aware parser and it collapses
 * duplicate attributes, so xml_parse() first runs its own bounded lexical
 * pass over the untrusted bytes: size cap, no NUL, valid UTF-8, no DOCTYPE
 * or other "<!" declaration but comments, no CDATA, no processing
 * instruction except a leading XML declaration (UTF-8 or US-ASCII only),
 * well-nested tags up to a depth limit, at most a limited number of unique
 * attributes per element, exactly one root element. Only then is the text
 * handed to Mini-XML, with every text run loaded as one opaque node.
 *
 * Namespaces are resolved by the helpers below from xmlns attributes, so a
 * peer's choice of prefix (none, "ns0:", "oob:") does not matter.
 */
#ifndef UPDOWN_PROTO_XML_H
#define UPDOWN_PROTO_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <mxml.h>

#define XML_ERR_SIZE     -0x0201 /* empty or larger than the limit */
#define XML_ERR_NUL      -0x0202 /* NUL byte in the document */
#define XML_ERR_UTF8     -0x0203 /* not valid UTF-8 */
#define XML_ERR_DOCTYPE  -0x0204 /* DOCTYPE, ENTITY or other declaration */
#define XML_ERR_PI       -0x0205 /* processing instruction, or misplaced XML declaration */
#define XML_ERR_CDATA    -0x0206 /* CDATA section */
#define XML_ERR_DEPTH    -0x0207 /* nesting deeper than the limit */
#define XML_ERR_ATTR     -0x0208 /* duplicate attribute, or too many */
#define XML_ERR_SYNTAX   -0x0209 /* not well-formed */
#define XML_ERR_ENCODING -0x020A /* declared encoding is not UTF-8 / US-ASCII */
#define XML_ERR_NS       -0x020B /* undeclared namespace prefix */
#define XML_ERR_NOMEM    -0x020C

#define XML_NS_XML "http://www.w3.org/XML/1998/namespace"

struct xml_limits {
	size_t max_size;     /* bytes */
	unsigned max_depth;  /* elements, root = 1 */
	unsigned max_attrs;  /* attributes per element, xmlns ones included */
};

/*
 * Check and load len bytes of untrusted XML. On success *doc is the
 * document (free with mxmlDelete) and *root its single root element. On
 * failure returns a negative XML_ERR_* and, when why is not NULL, writes a
 * short reason naming the byte offset into why[0..whylen).
 */
int xml_parse(const char *buf, size_t len, const struct xml_limits *lim,
              mxml_node_t **doc, mxml_node_t **root, char *why, size_t whylen);

/*
 * Namespace URI and local name of element el. *ns is NULL when the element
 * is in no namespace. XML_ERR_NS for an undeclared prefix.
 */
int xml_name(mxml_node_t *el, const char **ns, const char **local);

/* True when el is an element named local in namespace ns. */
bool xml_is(mxml_node_t *el, const char *ns, const char *local);

/*
 * Iterate over the child elements of parent (comments skipped). *bad is
 * set when a non-whitespace text run sits between the children, which no
 * element of our schemas allows. Start with prev = NULL.
 */
mxml_node_t *xml_next_element(mxml_node_t *parent, mxml_node_t *prev, bool *bad);

/*
 * Text content of el: the concatenation of its text runs, or "" when it has
 * none. Returns NULL if el has child elements (mixed content). The result
 * is malloc'd; caller frees.
 */
char *xml_text(mxml_node_t *el);

/*
 * Attribute iteration that hides namespace declarations. For index i
 * (0-based over all attributes) returns the value and sets *name to the
 * attribute's local name and *ns to its namespace (NULL if unprefixed;
 * XML_NS_XML for "xml:"). Returns NULL past the end. Declarations
 * (xmlns, xmlns:p) are skipped by returning "" with *name = NULL.
 */
const char *xml_attr(mxml_node_t *el, int i, const char **ns, const char **name);

/*
 * Serialise a document built with Mini-XML: no line wrapping, a newline
 * after each element. Returns a malloc'd string and its length.
 */
int xml_save(mxml_node_t *doc, char **out, size_t *len);

/* Static English text for an XML_ERR_* code. */
const char *xml_strerror(int err);

#endif
