/*
 * updownctl table: the allocation table (docs/allocation-table.md).
 *
 *   table validate TABLE [--holdings CONFDIR] [--at TIME]
 *       every syntax error (alloc_parse_all), then the cross-checks
 *       (alloc_validate: overlaps UD-100, empty, notafter UD-56, child
 *       BPKI TAs UD-152, and with --holdings the class certificates'
 *       resources); "file:line:" messages; exit 1 on any error.
 *   table fmt TABLE [-o OUT]
 *       the canonical form (alloc_print) to stdout or OUT.
 *   table import-rir STATS MAP --class C --notafter T --version N
 *        [--strict] [--no-count-check] [--at TIME] -o TABLE
 *       a one-class table from RIR extended delegation statistics
 *       (alloc_import_rir), validated before it is written.
 *   table diff OLD NEW [--state STORE] [--holdings CONFDIR]
 *       what changes (alloc_diff), and with the appliance's state store
 *       (opened read-only) which current certificates will be re-issued
 *       or revoked and which entitlements become newly issuable, before
 *       anything is applied (UD-101, UD-102, UD-104, UD-105).
 *
 * Exit codes: 0 ok; 1 the table was refused; 2 usage; 3 I/O.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "firmware/store.h"
#include "proto/alloc.h"
#include "proto/conf.h"
#include "proto/res.h"
#include "proto/updown.h"
#include "updownctl.h"

static int
table_usage(void)
{
	fputs("usage: updownctl table validate TABLE [--holdings CONFDIR] [--at TIME]\n"
	    "       updownctl table fmt TABLE [-o OUT]\n"
	    "       updownctl table import-rir STATS MAP --class C --notafter T --version N\n"
	    "             [--strict] [--no-count-check] [--at TIME] -o TABLE\n"
	    "       updownctl table diff OLD NEW [--state STORE] [--holdings CONFDIR]\n",
	    stderr);
	return EXIT_USAGE;
}

/* Read and parse a table, printing the first error. 0, EXIT_IO or EXIT_REFUSED. */
static int
load_table(const char *path, struct alloc_table *t)
{
	unsigned char *text = NULL;
	size_t len;
	struct alloc_error err;
	int rc;

	alloc_table_init(t);
	if ((rc = ctl_read_file(path, &text, &len)) != 0)
		return rc;
	rc = 0;
	if (alloc_parse((const char *)text, len, path, t, &err) != 0) {
		fprintf(stderr, "updownctl: %s\n", err.msg);
		rc = EXIT_REFUSED;
	}
	free(text);
	return rc;
}

static void
print_msgs(const struct alloc_errs *e)
{
	for (size_t i = 0; i < e->count; i++)
		printf("%s: %s\n", e->msgs[i].severity == ALLOC_SEV_ERROR ? "error" : "warning",
		    e->msgs[i].text);
	if (e->dropped > 0)
		printf("(%zu more messages not shown)\n", e->dropped);
}

/* Load the holdings of CONFDIR's class certificates. */
static int
load_holdings(const char *dir, struct conf *c, struct ctl_holdings *h)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = ctl_conf_load(dir, c)) != 0)
		return rc;
	return ctl_conf_holdings(dir, c, h);
}

static int
table_validate(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "holdings", required_argument, NULL, 'H' },
		{ "at", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *hold_dir = NULL;
	unsigned char *text = NULL;
	size_t len;
	struct alloc_table t;
	struct alloc_errs errs;
	struct conf c;
	struct ctl_holdings h;
	time_t now = time(NULL);
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'H': hold_dir = optarg; break;
		case 't':
			if (ctl_parse_time("--at", optarg, &now) != 0)
				return EXIT_USAGE;
			break;
		default: return table_usage();
		}
	}
	if (optind != argc - 1)
		return table_usage();
	alloc_table_init(&t);
	alloc_errs_init(&errs);
	conf_init(&c);
	memset(&h, 0, sizeof(h));
	if (hold_dir != NULL && (rc = load_holdings(hold_dir, &c, &h)) != 0)
		goto out;
	if ((rc = ctl_read_file(argv[optind], &text, &len)) != 0)
		goto out;
	rc = EXIT_IO;
	if (alloc_parse_all((const char *)text, len, argv[optind], &t, &errs) == 0 &&
	    alloc_validate(&t, h.list, h.n, now, &errs) == ALLOC_ERR_NOMEM)
		goto out;
	print_msgs(&errs);
	printf("%s: %zu error%s, %zu warning%s", argv[optind], errs.nerrors,
	    errs.nerrors == 1 ? "" : "s", errs.nwarnings, errs.nwarnings == 1 ? "" : "s");
	if (errs.nerrors == 0)
		printf(" (version %llu, %zu classes, %zu children%s)",
		    (unsigned long long)t.version, t.nclasses, t.nchildren,
		    hold_dir != NULL ? ", within the holdings" : "");
	printf("\n");
	rc = errs.nerrors > 0 ? EXIT_REFUSED : 0;
out:
	free(text);
	alloc_table_free(&t);
	alloc_errs_free(&errs);
	ctl_holdings_free(&h);
	conf_free(&c);
	return rc;
}

static int
table_fmt(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct alloc_table t;
	char *text = NULL;
	size_t len;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		default: return table_usage();
		}
	}
	if (optind != argc - 1)
		return table_usage();
	if ((rc = load_table(argv[optind], &t)) != 0)
		return rc;
	rc = EXIT_IO;
	if (alloc_print(&t, &text, &len) != 0)
		goto out;
	if (out != NULL)
		rc = ctl_write_file(out, (const unsigned char *)text, len);
	else
		rc = fwrite(text, 1, len, stdout) == len ? 0 : EXIT_IO;
out:
	free(text);
	alloc_table_free(&t);
	return rc;
}

static int
parse_u64_arg(const char *opt, const char *s, uint64_t *v)
{
	char *e;
	unsigned long long x;

	if (s[0] < '0' || s[0] > '9')
		goto bad;
	x = strtoull(s, &e, 10);
	if (*e != '\0')
		goto bad;
	*v = x;
	return 0;
bad:
	fprintf(stderr, "updownctl: %s: want an unsigned decimal number\n", opt);
	return EXIT_USAGE;
}

static int
table_import_rir(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "notafter", required_argument, NULL, 'n' },
		{ "version", required_argument, NULL, 'v' },
		{ "strict", no_argument, NULL, 's' },
		{ "no-count-check", no_argument, NULL, 'N' },
		{ "at", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct alloc_rir_opts o;
	struct alloc_rir_stats st;
	struct alloc_error err;
	struct alloc_errs errs;
	struct alloc_table t;
	unsigned char *stats = NULL, *map = NULL;
	size_t stats_len, map_len, len;
	const char *out = NULL, *na = NULL;
	char *text = NULL;
	bool have_version = false;
	time_t now = time(NULL);
	int ch, rc;

	memset(&o, 0, sizeof(o));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o.class_name = optarg; break;
		case 'n': na = optarg; break;
		case 'v':
			if (parse_u64_arg("--version", optarg, &o.version) != 0)
				return EXIT_USAGE;
			have_version = true;
			break;
		case 's': o.flags |= ALLOC_RIR_UNMAPPED_ERROR; break;
		case 'N': o.flags |= ALLOC_RIR_NO_COUNT_CHECK; break;
		case 't':
			if (ctl_parse_time("--at", optarg, &now) != 0)
				return EXIT_USAGE;
			break;
		case 'o': out = optarg; break;
		default: return table_usage();
		}
	}
	if (optind != argc - 2 || o.class_name == NULL || na == NULL || !have_version ||
	    out == NULL)
		return table_usage();
	if (ud_time_parse(na, strlen(na), &o.notafter) != 0) {
		fprintf(stderr, "updownctl: --notafter: want YYYY-MM-DDThh:mm:ssZ\n");
		return EXIT_USAGE;
	}
	o.source = argv[optind];
	o.map_source = argv[optind + 1];
	alloc_table_init(&t);
	alloc_errs_init(&errs);
	if ((rc = ctl_read_file(argv[optind], &stats, &stats_len)) != 0 ||
	    (rc = ctl_read_file(argv[optind + 1], &map, &map_len)) != 0)
		goto out;
	if (alloc_import_rir((const char *)stats, stats_len, (const char *)map, map_len, &o, &t,
	    &st, &err) != 0) {
		fprintf(stderr, "updownctl: %s\n", err.msg);
		rc = EXIT_REFUSED;
		goto out;
	}
	printf("%s: %zu records, %zu imported, %zu skipped (available/reserved), "
	    "%zu unmapped", argv[optind], st.records, st.imported, st.skipped, st.unmapped);
	if (st.unmapped > 0)
		printf(" (first at line %lu)", st.first_unmapped_line);
	printf("\n");
	/* the result is checked like any table */
	rc = EXIT_IO;
	if (alloc_validate(&t, NULL, 0, now, &errs) == ALLOC_ERR_NOMEM)
		goto out;
	print_msgs(&errs);
	if (errs.nerrors > 0) {
		fprintf(stderr, "updownctl: %s: the imported table has %zu errors; nothing "
		    "written\n", out, errs.nerrors);
		rc = EXIT_REFUSED;
		goto out;
	}
	if (alloc_print(&t, &text, &len) != 0)
		goto out;
	if ((rc = ctl_write_file(out, (const unsigned char *)text, len)) == 0)
		printf("%s: version %llu, class %s, %zu children\n", out,
		    (unsigned long long)t.version, o.class_name, t.nchildren);
out:
	free(stats);
	free(map);
	free(text);
	alloc_table_free(&t);
	alloc_errs_free(&errs);
	return rc;
}

/* ---- diff against the state ---- */

struct diff_ctx {
	const struct alloc_table *old, *new_;
	const struct ctl_holdings *h;
	size_t current, unchanged, reissued, shrunk, revoked, failed;
	/* (child, class) pairs of the new table that hold a current certificate */
	bool **has_cert;            /* [child][class] of new_ */
	int err;
};

static const struct res_bundle *
holding_of(const struct ctl_holdings *h, const char *cls)
{
	if (h == NULL)
		return NULL;
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->list[i].class_name, cls) == 0)
			return h->list[i].res;
	return NULL;
}

/* Parse one family's canonical text; NULL text (absent request limit) = no set. */
static int
set_from(struct res_set *s, enum res_family f, const char *text)
{
	res_set_init(s, f);
	if (text == NULL)
		return 0;
	return res_set_parse(s, f, text, strlen(text));
}

/* Print the families of b that differ from a as " ipv4 -x +y". */
static void
print_change(const struct res_bundle *from, const struct res_bundle *to)
{
	static const char *const fam[3] = { "as", "ipv4", "ipv6" };
	const struct res_set *fs[3] = { &from->as, &from->v4, &from->v6 };
	const struct res_set *ts[3] = { &to->as, &to->v4, &to->v6 };

	for (int f = 0; f < 3; f++) {
		struct res_set minus, plus;
		char *m = NULL, *p = NULL;

		res_set_init(&minus, (enum res_family)f);
		res_set_init(&plus, (enum res_family)f);
		if (res_set_diff(&minus, fs[f], ts[f]) == 0 &&
		    res_set_diff(&plus, ts[f], fs[f]) == 0 &&
		    (!res_set_is_empty(&minus) || !res_set_is_empty(&plus))) {
			printf(" %s", fam[f]);
			if (!res_set_is_empty(&minus) && res_set_print(&minus, &m) == 0)
				printf(" -%s", m);
			if (!res_set_is_empty(&plus) && res_set_print(&plus, &p) == 0)
				printf(" +%s", p);
		}
		free(m);
		free(p);
		res_set_free(&minus);
		res_set_free(&plus);
	}
}

/*
 * One current certificate against the new table, as the engine will treat
 * it (firmware/include/firmware/engine.h "Allocation changes"): target =
 * new entitlement ∩ holdings ∩ the request's limits.
 */
static int
diff_cert(void *arg, const struct store_cert *sc)
{
	struct diff_ctx *d = arg;
	const struct alloc_ent *ne = alloc_entitlement(d->new_, sc->child, sc->class_name);
	const struct res_bundle *hold = holding_of(d->h, sc->class_name);
	struct res_bundle cur, target, req;
	struct res_set x;
	struct res_set *cs[3] = { &cur.as, &cur.v4, &cur.v6 };
	struct res_set *ts[3] = { &target.as, &target.v4, &target.v6 };
	struct res_set *rs[3] = { &req.as, &req.v4, &req.v6 };
	const char *ctext[3] = { sc->as, sc->v4, sc->v6 };
	const char *rtext[3] = { sc->req_as, sc->req_v4, sc->req_v6 };
	bool limited = false, grow, shrink;
	char na_old[UD_TIME_SIZE], na_new[UD_TIME_SIZE];
	int f;

	d->current++;
	res_bundle_init(&cur);
	res_bundle_init(&target);
	res_bundle_init(&req);
	printf("  serial %llu %s/%s:", (unsigned long long)sc->serial, sc->child,
	    sc->class_name);
	for (f = 0; f < 3; f++) {
		res_set_free(cs[f]);
		res_set_free(rs[f]);
		if (set_from(cs[f], (enum res_family)f, ctext[f] != NULL ? ctext[f] : "") != 0 ||
		    set_from(rs[f], (enum res_family)f, rtext[f]) != 0) {
			printf(" stored resources do not parse\n");
			d->failed++;
			goto out;
		}
		if (rtext[f] != NULL)
			limited = true;
	}
	if (ne == NULL) {
		printf(" revoked (no entitlement in the new table, UD-105)\n");
		d->revoked++;
		goto out;
	}
	if (d->has_cert != NULL) {
		const struct alloc_child *c = alloc_find_child(d->new_, sc->child);

		if (c != NULL)
			d->has_cert[c - d->new_->children][ne->cls] = true;
	}
	/* target = entitlement ∩ holdings ∩ request limits */
	for (f = 0; f < 3; f++) {
		const struct res_set *e = f == 0 ? &ne->res.as : f == 1 ? &ne->res.v4 : &ne->res.v6;

		res_set_free(ts[f]);
		if (res_set_copy(ts[f], e) != 0)
			goto nomem;
		if (hold != NULL) {
			const struct res_set *hs = f == 0 ? &hold->as : f == 1 ? &hold->v4 : &hold->v6;

			res_set_init(&x, (enum res_family)f);
			if (res_set_intersect(&x, ts[f], hs) != 0) {
				res_set_free(&x);
				goto nomem;
			}
			res_set_free(ts[f]);
			*ts[f] = x;
		}
		if (rtext[f] != NULL) {
			res_set_init(&x, (enum res_family)f);
			if (res_set_intersect(&x, ts[f], rs[f]) != 0) {
				res_set_free(&x);
				goto nomem;
			}
			res_set_free(ts[f]);
			*ts[f] = x;
		}
	}
	shrink = !res_set_subset(&cur.as, &target.as) || !res_set_subset(&cur.v4, &target.v4) ||
	    !res_set_subset(&cur.v6, &target.v6);
	grow = !shrink && !limited && !(res_set_equal(&cur.as, &target.as) &&
	    res_set_equal(&cur.v4, &target.v4) && res_set_equal(&cur.v6, &target.v6));
	if (shrink && res_bundle_is_empty(&target)) {
		printf(" revoked (nothing left of it in the new table, UD-105)\n");
		d->revoked++;
	} else if (shrink) {
		printf(" re-issued smaller for the same key, the old one revoked (UD-101):");
		print_change(&cur, &target);
		printf("\n");
		d->shrunk++;
	} else if (grow) {
		printf(" re-issued larger (UD-102):");
		print_change(&cur, &target);
		printf("\n");
		d->reissued++;
	} else {
		const struct alloc_ent *oe = alloc_entitlement(d->old, sc->child, sc->class_name);

		if (oe != NULL && oe->notafter != ne->notafter) {
			if (ud_time_format(oe->notafter, na_old) != 0)
				snprintf(na_old, sizeof(na_old), "?");
			if (ud_time_format(ne->notafter, na_new) != 0)
				snprintf(na_new, sizeof(na_new), "?");
			printf(" re-issued (notafter %s -> %s)\n", na_old, na_new);
			d->reissued++;
		} else {
			printf(" unchanged\n");
			d->unchanged++;
		}
	}
out:
	res_bundle_free(&cur);
	res_bundle_free(&target);
	res_bundle_free(&req);
	return 0;
nomem:
	printf(" out of memory\n");
	res_bundle_free(&cur);
	res_bundle_free(&target);
	res_bundle_free(&req);
	d->err = EXIT_IO;
	return 1;
}

/* Children whose BPKI TA the new table adds, changes or drops (UD-155). */
static void
diff_tas(const struct alloc_table *old, const struct alloc_table *new_)
{
	for (size_t i = 0; i < new_->nchildren; i++) {
		const struct alloc_child *n = &new_->children[i];
		const struct alloc_child *o = alloc_find_child(old, n->handle);

		if (n->ta_len == 0 && (o == NULL || o->ta_len == 0))
			continue;
		if (o == NULL || o->ta_len == 0) {
			printf("~ child %s: BPKI TA added\n", n->handle);
		} else if (n->ta_len == 0) {
			printf("~ child %s: BPKI TA removed\n", n->handle);
		} else if (o->ta_len != n->ta_len || memcmp(o->ta, n->ta, n->ta_len) != 0) {
			char fp[65];

			ctl_sha256_hex(n->ta, n->ta_len, fp);
			printf("~ child %s: BPKI TA replaced (UD-155), new SHA-256 %s\n", n->handle, fp);
		}
	}
}

static int
table_diff(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "state", required_argument, NULL, 's' },
		{ "holdings", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL, *hold_dir = NULL;
	struct alloc_table old, new_;
	struct alloc_diff d;
	struct conf c;
	struct ctl_holdings h;
	struct store *s = NULL;
	struct diff_ctx dc;
	char *text = NULL, *msg = NULL;
	size_t len, i, j;
	int ch, rc;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 's': state = optarg; break;
		case 'H': hold_dir = optarg; break;
		default: return table_usage();
		}
	}
	if (optind != argc - 2)
		return table_usage();
	alloc_table_init(&old);
	alloc_table_init(&new_);
	alloc_diff_init(&d);
	conf_init(&c);
	memset(&h, 0, sizeof(h));
	memset(&dc, 0, sizeof(dc));
	if ((rc = load_table(argv[optind], &old)) != 0 ||
	    (rc = load_table(argv[optind + 1], &new_)) != 0)
		goto out;
	if (hold_dir != NULL && (rc = load_holdings(hold_dir, &c, &h)) != 0)
		goto out;
	if (state != NULL) {
		int r = store_open(state, STORE_READONLY | STORE_QUICK_CHECK | STORE_AUDIT_HEAD_ONLY,
		    NULL, &s, &msg);

		if (r != 0) {
			fprintf(stderr, "updownctl: %s: %s\n", state,
			    msg != NULL ? msg : store_strerror(r));
			rc = r == STORE_ERR_NOT_FOUND || r == STORE_ERR_IO ? EXIT_IO : EXIT_REFUSED;
			goto out;
		}
	}
	rc = EXIT_IO;
	if (alloc_diff(&old, &new_, &d) != 0 || alloc_diff_print(&d, &text, &len) != 0)
		goto out;
	fwrite(text, 1, len, stdout);
	diff_tas(&old, &new_);
	if (new_.version <= old.version)
		printf("warning: version %llu does not increase: the appliance will refuse the "
		    "bundle (replay protection)\n", (unsigned long long)new_.version);
	if (s != NULL) {
		struct store_info si;

		if (store_info(s, &si) == 0 && si.alloc_version != old.version)
			printf("warning: the state holds table version %llu, not %s's %llu\n",
			    (unsigned long long)si.alloc_version, argv[optind],
			    (unsigned long long)old.version);
		dc.old = &old;
		dc.new_ = &new_;
		dc.h = hold_dir != NULL ? &h : NULL;
		if (new_.nchildren > 0 &&
		    (dc.has_cert = calloc(new_.nchildren, sizeof(*dc.has_cert))) == NULL)
			goto out;
		for (i = 0; i < new_.nchildren; i++)
			if (new_.nclasses > 0 &&
			    (dc.has_cert[i] = calloc(new_.nclasses, sizeof(bool))) == NULL)
				goto out;
		printf("current certificates (%s):\n", store_path(s));
		if (store_certs_current_all(s, diff_cert, &dc) != 0 && dc.err == 0) {
			fprintf(stderr, "updownctl: %s: %s\n", state, store_errmsg(s));
			goto out;
		}
		if (dc.err != 0)
			goto out;
		printf("newly issuable (no current certificate; issued at the child's next "
		    "request):\n");
		{
			size_t n = 0;

			for (i = 0; i < new_.nchildren; i++)
				for (j = 0; j < new_.children[i].nents; j++) {
					const struct alloc_ent *e = &new_.children[i].ents[j];

					if (dc.has_cert[i][e->cls])
						continue;
					printf("  %s/%s\n", new_.children[i].handle,
					    new_.classes[e->cls].name);
					n++;
				}
			printf("summary: %zu current certificates: %zu re-issued, %zu re-issued "
			    "smaller, %zu revoked, %zu unchanged; %zu newly issuable\n", dc.current,
			    dc.reissued, dc.shrunk, dc.revoked, dc.unchanged, n);
		}
		if (hold_dir != NULL) {
			size_t affected = dc.shrunk + dc.revoked;
			bool brake = (c.policy.brake_max_count != CONF_BRAKE_COUNT_OFF &&
			    affected > c.policy.brake_max_count) ||
			    (c.policy.brake_share_ppm < CONF_BRAKE_SHARE_OFF &&
			    affected > c.policy.brake_floor && dc.current > 0 &&
			    (double)affected / (double)dc.current >
			    (double)c.policy.brake_share_ppm / 1e6);

			printf("safety brake (UD-104): %zu of %zu certificates shrink or go: %s\n",
			    affected, dc.current, brake ? "the appliance will refuse this table "
			    "unless the bundle is forced" : "within the limits");
		}
	}
	rc = 0;
out:
	if (dc.has_cert != NULL) {
		for (i = 0; i < new_.nchildren; i++)
			free(dc.has_cert[i]);
		free(dc.has_cert);
	}
	store_close(s);
	free(msg);
	free(text);
	alloc_diff_free(&d);
	alloc_table_free(&old);
	alloc_table_free(&new_);
	ctl_holdings_free(&h);
	conf_free(&c);
	return rc;
}

/* updownctl table SUBCOMMAND ... */
int
cmd_table(int argc, char **argv)
{
	if (argc < 2)
		return table_usage();
	if (strcmp(argv[1], "validate") == 0)
		return table_validate(argc - 1, argv + 1);
	if (strcmp(argv[1], "fmt") == 0)
		return table_fmt(argc - 1, argv + 1);
	if (strcmp(argv[1], "import-rir") == 0)
		return table_import_rir(argc - 1, argv + 1);
	if (strcmp(argv[1], "diff") == 0)
		return table_diff(argc - 1, argv + 1);
	return table_usage();
}
