/*
 * Network test harness (harness.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#ifndef UPDOWN_HTTPD_TEST
#error "UPDOWN_HTTPD_TEST (path of updown-httpd-test) must be defined"
#endif

static char ns_name[64];
static int ns_active;
#define MAX_SERVERS 8
static pid_t servers[MAX_SERVERS];

long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

/* srv_kill_all: SIGKILL every server still running (after a failed test). */
void
srv_kill_all(void)
{
	int i;

	for (i = 0; i < MAX_SERVERS; i++)
		if (servers[i] > 0) {
			kill(servers[i], SIGKILL);
			waitpid(servers[i], NULL, 0);
			servers[i] = 0;
		}
}

/* ns_leave: kill our servers, delete our namespace. */
void
ns_leave(void)
{
	srv_kill_all();
	if (ns_active) {
		ns_active = 0;
		run("ip netns del %s 2>/dev/null", ns_name);
	}
}

/* Namespaces left behind by test processes that died (SIGKILL, crash). */
static void
stale_cleanup(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;
	int pid;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char tail;
		if (sscanf(e->d_name, "updown-test-%d%c", &pid, &tail) != 1 || pid <= 0)
			continue;
		if (kill(pid, 0) != 0 && errno == ESRCH)
			run("ip netns del %s 2>/dev/null", e->d_name);
	}
	closedir(d);
}

static void
write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, val, strlen(val)) < 0) {
			/* best effort */
		}
		close(fd);
	}
}

int
ns_enter(char *why, size_t cap)
{
	char path[128];
	int fd;

	if (geteuid() != 0) {
		snprintf(why, cap, "not root: network namespaces and TAP devices need root");
		return 1;
	}
	if (access("/dev/net/tun", R_OK | W_OK) != 0) {
		snprintf(why, cap, "no usable /dev/net/tun (%s)", strerror(errno));
		return 1;
	}
	if (run("ip -V >/dev/null 2>&1") != 0) {
		snprintf(why, cap, "no `ip` command (Debian package iproute2)");
		return 1;
	}
	stale_cleanup();
	snprintf(ns_name, sizeof(ns_name), "updown-test-%d", (int)getpid());
	if (run("ip netns add %s", ns_name) != 0) {
		snprintf(why, cap, "ip netns add %s failed", ns_name);
		return -1;
	}
	ns_active = 1;
	atexit(ns_leave);
	snprintf(path, sizeof(path), "/run/netns/%s", ns_name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || setns(fd, CLONE_NEWNET) != 0) {
		snprintf(why, cap, "cannot enter namespace %s: %s", ns_name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	/* From here on every command and socket is inside the namespace. */
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (run("ip link set lo up") != 0 ||
	    run("ip tuntap add dev %s mode tap", NS_TAP) != 0 ||
	    run("ip link set %s up", NS_TAP) != 0 ||
	    run("ip addr add %s/24 dev %s", NS_KERNEL_ADDR, NS_TAP) != 0) {
		snprintf(why, cap, "cannot set up %s in %s", NS_TAP, ns_name);
		return -1;
	}
	return 0;
}

/* ---- server ---- */

int
srv_wait_line(struct srv *s, const char *prefix, char *line, size_t cap, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		char *nl;
		while ((nl = memchr(s->obuf, '\n', s->olen)) != NULL) {
			size_t n = (size_t)(nl - s->obuf);
			int match = strncmp(s->obuf, prefix, strlen(prefix)) == 0;
			if (match && line != NULL && cap > 0) {
				size_t k = n < cap - 1 ? n : cap - 1;
				memcpy(line, s->obuf, k);
				line[k] = '\0';
			}
			memmove(s->obuf, nl + 1, s->olen - n - 1);
			s->olen -= n + 1;
			if (match)
				return 0;
		}
		long long left = end - now_ms();
		if (left <= 0 || s->out < 0)
			return -1;
		struct pollfd pf = { s->out, POLLIN, 0 };
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		if (s->olen == sizeof(s->obuf))
			s->olen = 0;  /* an absurdly long line: drop it */
		ssize_t r = read(s->out, s->obuf + s->olen, sizeof(s->obuf) - s->olen);
		if (r <= 0) {
			close(s->out);
			s->out = -1;
			return -1;
		}
		s->olen += (size_t)r;
	}
}

int
srv_start(struct srv *s, const char *const *extra)
{
	const char *argv[64];
	unsigned port = 80;
	int pfd[2], n = 0, i;

	memset(s, 0, sizeof(*s));
	s->out = -1;
	argv[n++] = UPDOWN_HTTPD_TEST;
	argv[n++] = "--tap";
	argv[n++] = NS_TAP;
	argv[n++] = "--addr";
	argv[n++] = NS_LWIP_ADDR "/24";
	argv[n++] = "--log-level";
	argv[n++] = "warn";
	for (i = 0; extra != NULL && extra[i] != NULL && n < 62; i++) {
		if (strcmp(extra[i], "--port") == 0 && extra[i + 1] != NULL)
			port = (unsigned)atoi(extra[i + 1]);
		argv[n++] = extra[i];
	}
	argv[n] = NULL;
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	fflush(NULL);
	s->pid = fork();
	if (s->pid < 0)
		return -1;
	if (s->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(pfd[1], STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	s->out = pfd[0];
	for (i = 0; i < MAX_SERVERS; i++)
		if (servers[i] == 0) {
			servers[i] = s->pid;
			break;
		}
	if (srv_wait_line(s, "ready", NULL, 0, 10000) != 0) {
		fprintf(stderr, "harness: server did not become ready\n");
		return -1;
	}
	/* lwIP answers ARP and TCP: wait until a connection works. */
	long long end = now_ms() + 5000;
	while (now_ms() < end) {
		struct cli c;
		if (cli_open(&c, port, 500) == 0) {
			cli_close(&c);
			return 0;
		}
		usleep(20000);
	}
	fprintf(stderr, "harness: server not reachable at %s:%u\n", NS_LWIP_ADDR, port);
	return -1;
}

void
srv_signal(struct srv *s, int sig)
{
	if (s->pid > 0)
		kill(s->pid, sig);
}

int
srv_stop(struct srv *s, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	char line[512];
	int st = 0, i;
	pid_t r = 0;

	if (s->pid <= 0)
		return -1;
	kill(s->pid, SIGTERM);
	while (s->out >= 0 && now_ms() < end) {
		if (srv_wait_line(s, "", line, sizeof(line), (int)(end - now_ms())) != 0)
			break;
		if (strncmp(line, "stats ", 6) == 0)
			snprintf(s->stats, sizeof(s->stats), "%s", line);
		else if (strncmp(line, "lwip ", 5) == 0)
			snprintf(s->lwip, sizeof(s->lwip), "%s", line);
	}
	while (now_ms() < end && (r = waitpid(s->pid, &st, WNOHANG)) == 0)
		usleep(10000);
	if (r != s->pid) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &st, 0);
		st = -1;
	}
	for (i = 0; i < MAX_SERVERS; i++)
		if (servers[i] == s->pid)
			servers[i] = 0;
	s->pid = 0;
	if (s->out >= 0)
		close(s->out);
	s->out = -1;
	if (st == -1)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	fprintf(stderr, "harness: server killed by signal %d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return -1;
}

long
srv_stat(const struct srv *s, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	if ((p = strstr(s->stats, pat)) == NULL && (p = strstr(s->lwip, pat)) == NULL)
		return -1;
	return strtol(p + strlen(pat), NULL, 10);
}

/* ---- client ---- */

int
cli_open(struct cli *c, unsigned port, int timeout_ms)
{
	struct sockaddr_in sa;
	int fd, one = 1, err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd pf;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, NS_LWIP_ADDR, &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pf.fd = fd;
		pf.events = POLLOUT;
		if (poll(&pf, 1, timeout_ms) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0)
			goto fail;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

void
cli_close(struct cli *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int
cli_send(struct cli *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
cli_sendf(struct cli *c, const char *fmt, ...)
{
	char buf[16384];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -1;
	return cli_send(c, buf, (size_t)n);
}

int
cli_request(struct cli *c, const char *method, const char *path, const char *ctype,
    const void *body, size_t len)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head), "%s %s HTTP/1.1\r\nHost: " NS_LWIP_ADDR "\r\n"
	    "%s%s%sContent-Length: %zu\r\n\r\n", method, path,
	    ctype != NULL ? "Content-Type: " : "", ctype != NULL ? ctype : "",
	    ctype != NULL ? "\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	if (cli_send(c, head, (size_t)n) != 0)
		return -1;
	return len > 0 ? cli_send(c, body, len) : 0;
}

static int
r_field(http_parser *p, const char *at, size_t len)
{
	struct cli *c = p->data;
	size_t i;

	if (c->in_value) {
		c->in_value = false;
		c->flen = 0;
	}
	for (i = 0; i < len && c->flen < sizeof(c->field) - 1; i++)
		c->field[c->flen++] = (char)tolower((unsigned char)at[i]);
	c->field[c->flen] = '\0';
	return 0;
}

static void
r_append(char *dst, size_t cap, const char *at, size_t len)
{
	size_t have = strlen(dst);

	if (len > cap - 1 - have)
		len = cap - 1 - have;
	memcpy(dst + have, at, len);
	dst[have + len] = '\0';
}

static int
r_value(http_parser *p, const char *at, size_t len)
{
	struct cli *c = p->data;
	struct resp *r = c->r;

	c->in_value = true;
	if (strcmp(c->field, "content-type") == 0)
		r_append(r->ctype, sizeof(r->ctype), at, len);
	else if (strcmp(c->field, "retry-after") == 0)
		r_append(r->retry_after, sizeof(r->retry_after), at, len);
	else if (strcmp(c->field, "allow") == 0)
		r_append(r->allow, sizeof(r->allow), at, len);
	else if (strcmp(c->field, "connection") == 0)
		r_append(r->connection, sizeof(r->connection), at, len);
	return 0;
}

static int
r_body(http_parser *p, const char *at, size_t len)
{
	struct cli *c = p->data;
	struct resp *r = c->r;
	unsigned char *nb = realloc(r->body, r->len + len + 1);

	if (nb == NULL)
		return -1;
	r->body = nb;
	memcpy(r->body + r->len, at, len);
	r->len += len;
	r->body[r->len] = '\0';
	return 0;
}

static int
r_headers(http_parser *p)
{
	struct cli *c = p->data;

	c->r->status = (int)p->status_code;
	return c->skip_body ? 1 : 0;
}

static int
r_complete(http_parser *p)
{
	struct cli *c = p->data;

	c->done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings resp_settings = {
	.on_header_field = r_field,
	.on_header_value = r_value,
	.on_headers_complete = r_headers,
	.on_body = r_body,
	.on_message_complete = r_complete,
};

void
resp_free(struct resp *r)
{
	free(r->body);
	memset(r, 0, sizeof(*r));
}

int
cli_response(struct cli *c, struct resp *r, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;

	memset(r, 0, sizeof(*r));
	http_parser_init(&c->p, HTTP_RESPONSE);
	c->p.data = c;
	c->r = r;
	c->done = false;
	c->in_value = false;
	c->flen = 0;
	for (;;) {
		if (c->len > 0) {
			size_t n = http_parser_execute(&c->p, &resp_settings, (const char *)c->buf,
			    c->len);
			memmove(c->buf, c->buf + n, c->len - n);
			c->len -= n;
			if (c->done) {
				c->skip_body = false;
				return 0;
			}
			if (HTTP_PARSER_ERRNO(&c->p) != HPE_OK)
				return -1;
		}
		long long left = end - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd pf = { c->fd, POLLIN, 0 };
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			http_parser_execute(&c->p, &resp_settings, NULL, 0);
			return c->done ? 0 : -2;
		}
		c->len += (size_t)n;
	}
}

int
cli_post(struct cli *c, const char *path, const void *body, size_t len, struct resp *r,
    int timeout_ms)
{
	if (cli_request(c, "POST", path, "application/rpki-updown", body, len) != 0)
		return -1;
	return cli_response(c, r, timeout_ms);
}

int
cli_closed(struct cli *c, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	unsigned char junk[4096];

	for (;;) {
		long long left = end - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pf = { c->fd, POLLIN, 0 };
		if (poll(&pf, 1, (int)left) <= 0)
			continue;
		ssize_t n = recv(c->fd, junk, sizeof(junk), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 1;
	}
}
