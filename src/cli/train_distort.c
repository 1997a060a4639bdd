/* train_distort.c - train's options for distortions that model other
 * writers (--elastic, --affine, --stroke, --blur, --distort-share) and
 * their text in the model's recipe. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int cli_parse_distortion(const char *opt, const char *value, nn_augment_options *o)
{
    nn_error err = {{0}};
    if (strcmp(opt, "--elastic") == 0)
        return cli_parse_float("--elastic", value, 0, NN_MAX_ELASTIC, &o->elastic);
    if (strcmp(opt, "--stroke") == 0)
        return cli_parse_size("--stroke", value, 0, NN_MAX_STROKE, &o->stroke);
    if (strcmp(opt, "--blur") == 0) {
        o->blur = 1;
        return 0;
    }
    if (strcmp(opt, "--distort-share") == 0) {
        float share;
        if (cli_parse_float("--distort-share", value, 0, 1, &share) != 0)
            return -1;
        o->keep = 1 - share;
        return 0;
    }
    if (nn_augment_parse_affine(value, o, &err) == NN_OK)
        return 0;
    cli_error("%s", err.msg);
    return -1;
}

void cli_describe_distortion(const nn_augment_options *o, char *out, size_t cap)
{
    int n = 0;
    out[0] = '\0';
    if (!nn_augment_active(o))
        return;
    if (o->elastic > 0)
        n += snprintf(out + n, cap - (size_t)n, " elastic=%g", (double)o->elastic);
    if (n >= 0 && (size_t)n < cap && (o->rotate > 0 || o->scale > 0 || o->shear > 0 ||
                                       o->aspect > 0))
        n += snprintf(out + n, cap - (size_t)n, " affine=%g/%g/%g/%g", (double)o->rotate,
                      (double)o->scale, (double)o->shear, (double)o->aspect);
    if (n >= 0 && (size_t)n < cap && o->stroke > 0)
        n += snprintf(out + n, cap - (size_t)n, " stroke=%zu", o->stroke);
    if (n >= 0 && (size_t)n < cap && o->blur)
        n += snprintf(out + n, cap - (size_t)n, " blur");
    if (n >= 0 && (size_t)n < cap && o->keep > 0)
        snprintf(out + n, cap - (size_t)n, " share=%g", (double)(1 - o->keep));
}
