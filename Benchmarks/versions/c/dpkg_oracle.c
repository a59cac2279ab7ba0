/* dpkg_oracle: reads "A<TAB>B" lines and prints <, =, > or "invalid" per line, using libdpkg's own
 * parseversion() and dpkg_version_compare() (the code dpkg runs). A version is "invalid" when
 * parseversion() reports any problem (error or warning), as PackageVersions' strict mode does. */
#define LIBDPKG_VOLATILE_API 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/version.h>

int main(void) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long count = 0;
    while ((len = getline(&line, &cap, stdin)) >= 0) {
        if (len > 0 && line[len - 1] == '\n') line[--len] = '\0';
        char *tab = strchr(line, '\t');
        if (!tab) { puts("invalid"); continue; }
        *tab = '\0';
        struct dpkg_version a, b;
        struct dpkg_error err = DPKG_ERROR_INIT;
        int ok = parseversion(&a, line, &err) == 0;
        dpkg_error_destroy(&err);
        if (ok) { ok = parseversion(&b, tab + 1, &err) == 0; dpkg_error_destroy(&err); }
        if (!ok) { puts("invalid"); }
        else {
            int r = dpkg_version_compare(&a, &b);
            puts(r < 0 ? "<" : (r > 0 ? ">" : "="));
        }
        if (++count % 65536 == 0) nffreeall();
    }
    free(line);
    return 0;
}
