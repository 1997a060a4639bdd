/* eval_recon.c - eval's report for an autoencoder: its mean reconstruction
 * loss (binary cross-entropy per pixel) in place of a confusion matrix. */
#include "cli.h"

#include <stdio.h>

#include "record.h"

void cli_print_recon_report(const cli_rec_format *format, const char *model,
                            const char *images, size_t n, double sum, double seconds)
{
    cli_rec rec;
    double loss = n > 0 ? sum / (double)n : 0.0;
    if (format == NULL) {
        printf("reconstruction loss %.4f (mean binary cross-entropy per pixel, %zu images)\n",
               loss, n);
        printf("time %.2fs\n", seconds);
        return;
    }
    cli_rec_init(&rec, stdout, *format);
    if (*format == CLI_REC_JSON) {
        cli_rec_begin(&rec);
        cli_rec_str(&rec, "model", model);
        cli_rec_str(&rec, "images", images);
        cli_rec_size(&rec, "count", n);
        cli_rec_fixed(&rec, "reconstruction_loss", loss, 6);
        cli_rec_fixed(&rec, "seconds", seconds, 4);
        cli_rec_end(&rec);
        return;
    }
    cli_rec_begin(&rec);
    cli_rec_str(&rec, NULL, "count");
    cli_rec_str(&rec, NULL, "reconstruction_loss");
    cli_rec_end(&rec);
    cli_rec_begin(&rec);
    cli_rec_size(&rec, "count", n);
    cli_rec_fixed(&rec, "reconstruction_loss", loss, 6);
    cli_rec_end(&rec);
}
