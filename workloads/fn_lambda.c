/* SPDX-License-Identifier: MIT */
/*
 * The Lambda Runtime API on loopback (fn_lambda.h). HTTP/1.1 as the runtime clients use
 * it: requests with Content-Length bodies, on one kept-alive connection or a new one per
 * request (both are followed: a new connection replaces the old). The GET of the next
 * event is answered only when an invocation comes, so a warm runtime waits there, as in
 * Lambda.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fn_lambda.h"
#include "jb_clock.h"

#define API "/2018-06-01/runtime/"
#define REQUEST_MAX_BYTES (64u << 20)

int
fn_lambda_listen(struct fn_lambda *l, struct jb_err *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);

	memset(l, 0, sizeof(*l));
	l->conn_fd = -1;
	l->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l->listen_fd < 0 || bind(l->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(l->listen_fd, 8) != 0 || getsockname(l->listen_fd, (struct sockaddr *)&a,
							 &alen) != 0) {
		int rc = jb_err_set(err, -errno, "Runtime API: listening on 127.0.0.1: %s",
				    strerror(errno));

		fn_lambda_close(l);
		return rc;
	}
	snprintf(l->env, sizeof(l->env), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%u",
		 (unsigned)ntohs(a.sin_port));
	return 0;
}

void
fn_lambda_close(struct fn_lambda *l)
{
	if (l->conn_fd >= 0)
		close(l->conn_fd);
	if (l->listen_fd > 0)
		close(l->listen_fd);
	free(l->buf);
	memset(l, 0, sizeof(*l));
	l->conn_fd = l->listen_fd = -1;
}

static int
reply(struct fn_lambda *l, const char *status, const char *headers, const char *body,
      size_t len)
{
	char head[1024];
	int n = snprintf(head, sizeof(head), "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
					     "%sContent-Length: %zu\r\n\r\n", status, headers, len);
	struct iovec iov[2] = { { head, (size_t)n }, { (void *)body, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	size_t left = (size_t)n + len;

	if (n <= 0 || (size_t)n >= sizeof(head))
		return -EIO;
	/* Head and body in one call, so one segment (TCP_NODELAY is set): a head sent alone
	 * held the body back for the client's delayed ACK, 40 ms a call. */
	while (left) {
		ssize_t k = sendmsg(l->conn_fd, &msg, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		left -= (size_t)k;
		/* A short send (a body over the socket's buffer): step over what left. */
		while (k > 0 && msg.msg_iovlen) {
			size_t step = (size_t)k < msg.msg_iov->iov_len ? (size_t)k
								     : msg.msg_iov->iov_len;

			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + step;
			msg.msg_iov->iov_len -= step;
			k -= (ssize_t)step;
			if (!msg.msg_iov->iov_len)
				msg.msg_iov++, msg.msg_iovlen--;
		}
	}
	return 0;
}

void
fn_lambda_ack(struct fn_lambda *l)
{
	if (!l->ack_pending || l->conn_fd < 0)
		return;
	l->ack_pending = 0;
	/* A runtime gone before it reads its 202 is the next call's to find. */
	(void)reply(l, "202 Accepted", "", "{\"status\":\"OK\"}", 15);
}

/* One whole request at the head of l->buf: its method and path (NUL-terminated copies),
 * its body, and the bytes it spans. 0 when incomplete, 1 when whole, -EPROTO. */
static int
request_take(struct fn_lambda *l, char *method, char *path, size_t path_len,
	     const char **body, size_t *body_len, size_t *used)
{
	char *end, *line, *cl;
	size_t head, clen = 0;

	if (!l->len)
		return 0;
	l->buf[l->len] = '\0';
	end = strstr(l->buf, "\r\n\r\n");
	if (!end)
		return l->len > 65536 ? -EPROTO : 0;
	head = (size_t)(end - l->buf) + 4;
	if (sscanf(l->buf, "%15s %1023s", method, path) != 2 || strlen(path) >= path_len)
		return -EPROTO;
	for (line = strstr(l->buf, "\r\n"); line && line < end; line = strstr(line + 2, "\r\n")) {
		cl = line + 2;
		if (!strncasecmp(cl, "Content-Length:", 15))
			clen = strtoul(cl + 15, NULL, 10);
		else if (!strncasecmp(cl, "Transfer-Encoding:", 18))
			return -EPROTO; /* chunked bodies are not offered here */
	}
	if (clen > REQUEST_MAX_BYTES)
		return -EPROTO;
	if (l->len < head + clen)
		return 0;
	*body = l->buf + head;
	*body_len = clen;
	*used = head + clen;
	return 1;
}

/* Read what waits on the connection (a new connection replaces the old). 0, or -errno. */
static int
conn_pump(struct fn_lambda *l, short listen_ev, short conn_ev)
{
	ssize_t n;

	if (listen_ev & POLLIN) {
		int fd = accept4(l->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			int one = 1;

			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (l->conn_fd >= 0)
				close(l->conn_fd);
			l->conn_fd = fd;
			l->len = l->used = 0;
		}
	}
	if (!(conn_ev & (POLLIN | POLLHUP | POLLERR)) || l->conn_fd < 0)
		return 0;
	if (l->len + 65536 + 1 > l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1u << 16;
		char *b = cap > 2 * REQUEST_MAX_BYTES ? NULL : realloc(l->buf, cap);

		if (!b)
			return -ENOMEM;
		l->buf = b;
		l->cap = cap;
	}
	n = recv(l->conn_fd, l->buf + l->len, l->cap - l->len - 1, 0);
	if (n > 0) {
		l->len += (size_t)n;
	} else if (n == 0 || errno != EINTR) {
		close(l->conn_fd);
		l->conn_fd = -1;
		l->len = l->used = 0;
	}
	return 0;
}

int
fn_lambda_call(struct fn_lambda *l, struct fn_child *c, const char *event, size_t len,
	       uint64_t timeout_ns, char **result, size_t *result_len, int *is_error,
	       struct jb_err *err)
{
	uint64_t deadline = timeout_ns ? jb_clock_mono_ns() + timeout_ns : 0;
	char id[32], want[96], method[16], path[1024];
	int given = 0, rc;

	*result = NULL;
	*is_error = 0;
	fn_lambda_ack(l);
	if (l->used) {
		/* Drop the request whose body the previous call handed out. */
		l->buf[l->used] = l->held;
		memmove(l->buf, l->buf + l->used, l->len - l->used);
		l->len -= l->used;
		l->used = 0;
	}
	snprintf(id, sizeof(id), "jb-%llu", (unsigned long long)++l->request_id);
	for (;;) {
		struct pollfd p[3] = { { .fd = l->listen_fd, .events = POLLIN },
				       { .fd = l->conn_fd, .events = POLLIN },
				       { .fd = c->err_fd, .events = POLLIN } };
		const char *body;
		size_t body_len, used;

		rc = l->conn_fd >= 0 ? request_take(l, method, path, sizeof(path), &body,
						    &body_len, &used) : 0;
		if (rc < 0)
			return jb_err_set(err, -EPROTO, "Runtime API: a malformed request (or a "
						       "chunked body, not offered)");
		if (rc == 1) {
			if (!given && !strcmp(method, "GET") && !strcmp(path, API "invocation/next")) {
				char headers[512], ms[32];

				l->next_ns = jb_clock_mono_ns();
				snprintf(ms, sizeof(ms), "%llu", (unsigned long long)(
						 jb_clock_unix_ns() / 1000000 +
						 (timeout_ns ? timeout_ns / 1000000 : 900000)));
				snprintf(headers, sizeof(headers),
					 "Lambda-Runtime-Aws-Request-Id: %s\r\n"
					 "Lambda-Runtime-Deadline-Ms: %s\r\n"
					 "Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:local:"
					 "000000000000:function:joulebench\r\n"
					 "Lambda-Runtime-Trace-Id: Root=1-00000000-%024llx\r\n",
					 id, ms, (unsigned long long)l->request_id);
				memmove(l->buf, l->buf + used, l->len - used);
				l->len -= used;
				if ((rc = reply(l, "200 OK", headers, event, len)))
					return jb_err_set(err, rc, "Runtime API: %s", jb_strerror(rc));
				given = 1;
				continue;
			}
			if (!strcmp(method, "POST") && !strcmp(path, API "init/error")) {
				rc = jb_err_set(err, -EPIPE, "the runtime reported an init error: "
							     "%.*s", (int)(body_len > 200 ? 200 : body_len),
						body);
				reply(l, "202 Accepted", "", "{\"status\":\"OK\"}", 15);
				return rc;
			}
			snprintf(want, sizeof(want), API "invocation/%s/", id);
			if (given && !strcmp(method, "POST") && !strncmp(path, want, strlen(want)) &&
			    (!strcmp(path + strlen(want), "response") ||
			     !strcmp(path + strlen(want), "error"))) {
				*is_error = !strcmp(path + strlen(want), "error");
				/* Its 202 waits for fn_lambda_ack(), after our result has left. */
				l->ack_pending = 1;
				/* The body stays in the buffer until the next call, NUL-terminated
				 * over the first byte after it (held: a next request's, maybe). */
				*result = (char *)body;
				*result_len = body_len;
				l->used = used;
				l->held = l->buf[used];
				l->buf[used] = '\0';
				return 0;
			}
			reply(l, "404 Not Found", "", "{}", 2);
			return jb_err_set(err, -EPROTO, "Runtime API: unexpected %s %.200s", method,
					  path);
		}
		if ((rc = fn_poll_until(p, 3, deadline, timeout_ns, err)) <= 0) {
			if (rc < 0)
				return rc;
			continue;
		}
		if (p[2].revents) {
			fn_child_drain(c);
			if (c->err_fd < 0)
				return fn_child_gone(c, err);
		}
		if ((rc = conn_pump(l, p[0].revents, p[1].revents)))
			return jb_err_set(err, rc, "Runtime API: %s", jb_strerror(rc));
	}
}
