/* progress.c - the live progress bar on stderr: drawn only on a terminal,
 * at most ten times a second, erased before anything else is printed. */
#include "cli.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

double cli_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void cli_bar_init(cli_bar *b, int quiet)
{
    b->on = !quiet && isatty(STDERR_FILENO);
    b->drawn = 0;
    b->start = b->last = cli_now_seconds();
}

void cli_bar_restart(cli_bar *b)
{
    b->start = cli_now_seconds();
}

double cli_bar_elapsed(const cli_bar *b)
{
    return cli_now_seconds() - b->start;
}

/* "1:05" or "1:02:05". */
static void clock_text(char *out, size_t cap, double seconds)
{
    long s = seconds < 0 ? 0 : seconds > 359999 ? 359999 : (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, cap, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, cap, "%ld:%02ld", s / 60, s % 60);
}

void cli_bar_draw(cli_bar *b, const char *label, size_t done, size_t total, double rate,
                  double left, const char *extra)
{
    if (!b->on || total == 0)
        return;
    double t = cli_now_seconds();
    if (done < total && b->drawn && t - b->last < 0.1)
        return;
    b->last = t;
    b->drawn = 1;
    if (done > total)
        done = total;
    enum { WIDTH = 24 };
    int filled = (int)(done * WIDTH / total);
    char rate_text[32] = "", left_text[32] = "";
    if (rate > 0) {
        if (rate >= 1e6)
            snprintf(rate_text, sizeof rate_text, "  %.1fM img/s", rate / 1e6);
        else if (rate >= 1e4)
            snprintf(rate_text, sizeof rate_text, "  %.0fk img/s", rate / 1e3);
        else
            snprintf(rate_text, sizeof rate_text, "  %.0f img/s", rate);
    }
    if (left >= 0) {
        char c[24];
        clock_text(c, sizeof c, left);
        snprintf(left_text, sizeof left_text, "  %s left", c);
    }
    fprintf(stderr, "\r%s [%.*s%*s] %3zu%%%s%s%s\033[K", label, filled,
            "========================", WIDTH - filled, "", done * 100 / total, rate_text,
            extra != NULL ? extra : "", left_text);
    fflush(stderr);
}

void cli_bar_clear(cli_bar *b)
{
    if (b->on && b->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        b->drawn = 0;
    }
}
