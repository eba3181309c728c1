/* The benchmark's webhook receiver: answers every request 204 No Content
 * (HTTP/1.1, keep-alive, Content-Length bodies, Expect: 100-continue) and
 * appends one line per request to LOG:
 *
 *     <webhook-id header> <data.created_at of the body, ms> <receive time, ms>
 *
 * "receive time" is CLOCK_REALTIME when the body is complete; the
 * created_at is the lead's own (the "created_at" after "data": in the
 * body), i.e. the time mod_leads stamped the lead just before its
 * transaction. -1 when the body has none.
 *
 *   bench-receiver PORTFILE LOG     listens on 127.0.0.1, kernel-chosen
 *                                   port written to PORTFILE; SIGTERM ends
 *
 * One thread, epoll, so it costs the machine as little as possible. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536

typedef struct {
    int fd;
    size_t len;
    int continued;              /* 100 Continue sent for this request */
    char buf[BUF];
} conn_t;

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2026-06-24T10:00:00.123Z" -> ms since the epoch, or -1 */
static long long iso_ms(const char *s)
{
    struct tm tm;
    int ms = 0;

    memset(&tm, 0, sizeof(tm));
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon,
               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
        return -1;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

/* A header's value (up to the CR), copied into out; "" when absent. */
static void header(const char *head, size_t hlen, const char *name,
                   char *out, size_t size)
{
    size_t n = strlen(name), i = 0;
    const char *p = head, *end = head + hlen;

    out[0] = '\0';
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));

        if (!eol) {
            break;
        }
        if ((size_t)(eol - p) > n + 1 && strncasecmp(p, name, n) == 0
            && p[n] == ':') {
            p += n + 1;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
            while (p < eol && *p != '\r' && i + 1 < size) {
                out[i++] = *p++;
            }
            out[i] = '\0';
            return;
        }
        p = eol + 1;
    }
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;          /* a full socket buffer never happens here */
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Answer every complete request in the buffer; -1: close the connection. */
static int serve(conn_t *c, FILE *log)
{
    static const char answer[] = "HTTP/1.1 204 No Content\r\n"
                                 "Server: bench-receiver\r\n\r\n";
    static const char bad[] = "HTTP/1.1 400 Bad Request\r\n"
                              "Content-Length: 0\r\nConnection: close\r\n\r\n";

    for (;;) {
        char *eoh = memmem(c->buf, c->len, "\r\n\r\n", 4);
        char value[256], created[40];
        size_t hlen, clen, total;
        long long created_ms = -1;
        char *body, *data, *at;

        if (!eoh) {
            return c->len >= BUF ? -1 : 0;
        }
        hlen = (size_t)(eoh - c->buf) + 4;
        header(c->buf, hlen, "Transfer-Encoding", value, sizeof(value));
        if (*value) {
            write_all(c->fd, bad, sizeof(bad) - 1);
            return -1;
        }
        header(c->buf, hlen, "Content-Length", value, sizeof(value));
        clen = *value ? strtoul(value, NULL, 10) : 0;
        total = hlen + clen;
        if (total > BUF) {
            write_all(c->fd, bad, sizeof(bad) - 1);
            return -1;
        }
        if (c->len < total) {
            header(c->buf, hlen, "Expect", value, sizeof(value));
            if (!c->continued && strcasecmp(value, "100-continue") == 0) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

                c->continued = 1;
                if (write_all(c->fd, cont, sizeof(cont) - 1) < 0) {
                    return -1;
                }
            }
            return 0;
        }
        body = c->buf + hlen;
        /* the lead's created_at: the first one after "data": */
        data = memmem(body, clen, "\"data\":", 7);
        at = data ? memmem(data, clen - (size_t)(data - body),
                           "\"created_at\":\"", 14) : NULL;
        if (at && (size_t)(at + 14 + 24 - body) <= clen) {
            memcpy(created, at + 14, 24);
            created[24] = '\0';
            created_ms = iso_ms(created);
        }
        header(c->buf, hlen, "webhook-id", value, sizeof(value));
        fprintf(log, "%s %lld %lld\n", *value ? value : "-", created_ms,
                now_ms());
        if (write_all(c->fd, answer, sizeof(answer) - 1) < 0) {
            return -1;
        }
        memmove(c->buf, c->buf + total, c->len - total);
        c->len -= total;
        c->continued = 0;
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa;
    socklen_t salen = sizeof(sa);
    struct epoll_event ev, events[64];
    struct sigaction act;
    FILE *log, *pf;
    int lfd, ep, one = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: bench-receiver PORTFILE LOG\n");
        return 2;
    }
    memset(&act, 0, sizeof(act));
    act.sa_handler = on_term;
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    signal(SIGPIPE, SIG_IGN);
    log = fopen(argv[2], "a");
    if (!log) {
        perror(argv[2]);
        return 1;
    }
    setvbuf(log, NULL, _IOFBF, 1 << 16);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0
        || listen(lfd, 512) < 0
        || getsockname(lfd, (struct sockaddr *)&sa, &salen) < 0) {
        perror("bench-receiver: listen");
        return 1;
    }
    pf = fopen(argv[1], "w");
    if (!pf) {
        perror(argv[1]);
        return 1;
    }
    fprintf(pf, "%d\n", ntohs(sa.sin_port));
    fclose(pf);
    ep = epoll_create1(0);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    while (!stop) {
        int n = epoll_wait(ep, events, 64, 200), i;

        for (i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;

            if (!c) {
                int fd;

                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    c = calloc(1, sizeof(*c));
                    if (!c) {
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    ev.events = EPOLLIN;
                    ev.data.ptr = c;
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            for (;;) {
                ssize_t r = read(c->fd, c->buf + c->len, BUF - c->len);

                if (r > 0) {
                    c->len += (size_t)r;
                    if (serve(c, log) < 0) {
                        r = 0;
                    }
                    else if (c->len < BUF) {
                        continue;
                    }
                }
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    free(c);
                }
                break;
            }
        }
        fflush(log);            /* the runner reads the log while we run */
    }
    fclose(log);
    return 0;
}
