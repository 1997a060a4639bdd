/*
 * trainlog.h - reading back a training log: the JSON Lines file that
 * `nnclass train --log` writes, one object per epoch, such as
 *   {"epoch":3,"epochs":10,"loss":0.18,"train_accuracy":0.946,
 *    "val_accuracy":0.948,"best":true,"seconds":1.2,"lr":0.05}
 *
 * Every line is parsed as complete JSON (objects, arrays, strings with their
 * escapes, numbers, literals; nesting at most 32 deep). "epoch" (a whole
 * number from 1, increasing from line to line), "loss" (finite, >= 0, or
 * null: the perceptron has none) and "train_accuracy" (0 to 1) are
 * required; "val_accuracy" (0 to 1 or null), "val_loss" (finite, >= 0,
 * or null)
 * and "lr" (finite, >= 0) are optional; other fields are ignored. Blank
 * lines are skipped, and so is a result record: an object with "split" and
 * no "epoch" (the test record that ends the log). Anything else is NN_E_FORMAT with a message
 * "NAME:LINE: what is wrong".
 */
#ifndef NNCLASS_TRAINLOG_H
#define NNCLASS_TRAINLOG_H

#include <stddef.h>

#include "nnclass/base/error.h"
#include "nnclass/report/svg.h"

/* Parses len bytes of a log (name is used in messages) into *epochs, an
 * array of *n entries the caller frees with free() (NULL when n is 0).
 * A null "loss", a missing or null "val_accuracy" or "val_loss" and a
 * missing "lr" are -1 there. */
nn_status nn_trainlog_parse(const char *buf, size_t len, const char *name,
                            nn_svg_epoch **epochs, size_t *n, nn_error *err);

#endif
