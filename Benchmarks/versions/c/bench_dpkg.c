/* Reference benchmark: libdpkg's parseversion() + dpkg_version_compare() on the pairs from stdin. */
#define LIBDPKG_VOLATILE_API 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/version.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(void) {
    size_t cap = 1 << 20, n = 0;
    char **a = malloc(cap * sizeof *a), **b = malloc(cap * sizeof *b);
    char *line = NULL; size_t lcap = 0; ssize_t len;
    while ((len = getline(&line, &lcap, stdin)) >= 0) {
        if (len && line[len - 1] == '\n') line[--len] = 0;
        char *tab = strchr(line, '\t'); if (!tab) continue; *tab = 0;
        if (n == cap) { cap *= 2; a = realloc(a, cap * sizeof *a); b = realloc(b, cap * sizeof *b); }
        a[n] = strdup(line); b[n] = strdup(tab + 1); n++;
    }
    struct dpkg_version *va = malloc(n * sizeof *va), *vb = malloc(n * sizeof *vb);
    struct dpkg_error err = DPKG_ERROR_INIT;
    for (size_t i = 0; i < n; i++) {
        if (parseversion(&va[i], a[i], &err) || parseversion(&vb[i], b[i], &err)) { fprintf(stderr, "bad pair %zu\n", i); return 1; }
    }
    long sum = 0; double best = 1e9;
    for (int r = 0; r < 7; r++) {
        double t0 = now(); long s = 0;
        for (size_t i = 0; i < n; i++) { int c = dpkg_version_compare(&va[i], &vb[i]); s += c < 0 ? -1 : c > 0; }
        double t = now() - t0; if (t < best) best = t; sum = s;
    }
    double bestParse = 1e9; long sum2 = 0;
    for (int r = 0; r < 3; r++) {
        nffreeall();
        double t0 = now(); long s = 0;
        for (size_t i = 0; i < n; i++) {
            struct dpkg_version x, y;
            if (parseversion(&x, a[i], &err) == 0 && parseversion(&y, b[i], &err) == 0) {
                int c = dpkg_version_compare(&x, &y); s += c < 0 ? -1 : c > 0;
            }
        }
        double t = now() - t0; if (t < bestParse) bestParse = t; sum2 = s;
    }
    printf("C dpkg pairs=%zu checksum=%ld compare_ns=%.2f parse_compare_ns=%.2f checksum2=%ld\n",
           n, sum, best * 1e9 / n, bestParse * 1e9 / n, sum2);
    return 0;
}
