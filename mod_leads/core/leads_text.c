/* UTF-8 text helpers for validation (docs/api.md §4.2). */
#include <string.h>

#include <apr_strings.h>

#include "leads_text.h"

/* ASCII white space only: trimming must never eat part of a multi-byte
 * UTF-8 sequence, and the C locale's isspace() is exactly this set. */
static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r'
        || c == '\f' || c == '\v';
}

char *leads_text_trim(apr_pool_t *p, const char *s)
{
    const char *end = s + strlen(s);

    while (is_ascii_space((unsigned char)*s)) {
        s++;
    }
    while (end > s && is_ascii_space((unsigned char)end[-1])) {
        end--;
    }
    return apr_pstrmemdup(p, s, end - s);
}

apr_size_t leads_text_length(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t n = 0;

    for (; *u; u++) {
        /* every code point has exactly one byte that is not 10xxxxxx */
        if ((*u & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

/* C1 controls U+0080..U+009F are encoded as C2 80..C2 9F. */
int leads_text_in_list(const char *const *list, const char *s)
{
    for (; *list != NULL; list++) {
        if (strcmp(*list, s) == 0) {
            return 1;
        }
    }
    return 0;
}

int leads_text_has_control(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;

    for (; *u; u++) {
        if (*u < 0x20 || *u == 0x7F) {
            return 1;
        }
        if (*u == 0xC2 && u[1] >= 0x80 && u[1] <= 0x9F) {
            return 1;
        }
    }
    return 0;
}
