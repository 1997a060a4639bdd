/* names.c - the file names a command works through: its operands, or a list
 * read from a file (--files-from), one name at a time so that a list longer
 * than any command line costs no more memory than one name. One entry is
 * read ahead, so that "more than one file?" (the file column) is known
 * before the first line is printed. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

void cli_names_from_args(cli_names *n, char **names, size_t count)
{
    memset(n, 0, sizeof *n);
    n->args = names;
    n->n_args = count;
}

int cli_names_open_list(cli_names *n, const char *path, int delim)
{
    memset(n, 0, sizeof *n);
    n->delim = delim;
    n->list_is_stdin = strcmp(path, "-") == 0;
    n->list_name = n->list_is_stdin ? "(standard input)" : path;
    n->list = n->list_is_stdin ? stdin : fopen(path, "r");
    struct stat st;
    const char *why = n->list == NULL ? strerror(errno)
                      : fstat(fileno(n->list), &st) != 0 ? strerror(errno)
                      : S_ISDIR(st.st_mode) ? "is a directory" : NULL;
    if (why == NULL)
        return CLI_OK;
    cli_error("--files-from %s: %s", n->list_name, why);
    if (n->list != NULL && !n->list_is_stdin)
        fclose(n->list);
    n->list = NULL;
    return CLI_EXIT_DATA;
}

/* Reads the next entry of the list into slot: a name, the end, or an entry
 * that is no usable name (its reason in slot->why). */
static void read_entry(cli_names *n, cli_name_slot *slot)
{
    size_t len = 0;
    int c, too_long = 0, nul = 0;
    while ((c = getc(n->list)) != EOF && c != n->delim) {
        nul |= c == '\0';
        if (len < CLI_NAME_MAX)
            slot->text[len++] = (char)c;
        else
            too_long = 1;
    }
    slot->text[len] = '\0';
    slot->why = NULL;
    if (c == EOF && ferror(n->list)) {
        n->read_error = errno != 0 ? errno : EIO;
        slot->kind = CLI_NAME_END;
        return;
    }
    if (c == EOF && len == 0 && !too_long) {
        slot->kind = CLI_NAME_END;
        return;
    }
    slot->entry = ++n->entries;
    slot->kind = CLI_NAME_BAD;
    if (too_long)
        slot->why = "file name longer than 4096 bytes";
    else if (nul)
        slot->why = "file name with a NUL byte (-0 reads names ended by NUL)";
    else if (len == 0)
        slot->why = "empty file name";
    else if (n->list_is_stdin && strcmp(slot->text, "-") == 0)
        slot->why = "'-' cannot be read: standard input holds the list of names";
    else
        slot->kind = CLI_NAME_OK;
}

/* Reads entries until k wait in the queue, or the end of the list does. */
static void fill(cli_names *n, int k)
{
    while (n->queued < k) {
        if (n->queued > 0 && n->slots[(n->head + n->queued - 1) % 2].kind == CLI_NAME_END)
            return;
        read_entry(n, &n->slots[(n->head + n->queued) % 2]);
        n->queued++;
    }
}

int cli_names_several(cli_names *n)
{
    if (n->list == NULL)
        return n->n_args > 1;
    fill(n, 2);
    return n->queued == 2 && n->slots[(n->head + 1) % 2].kind != CLI_NAME_END;
}

int cli_names_next(cli_names *n, const char **name)
{
    *name = NULL;
    if (n->list == NULL) {
        if (n->next == n->n_args)
            return 0;
        *name = n->args[n->next++];
        return 1;
    }
    fill(n, 1);
    cli_name_slot *slot = &n->slots[n->head];
    if (slot->kind == CLI_NAME_END) {
        /* It stays queued: every later call ends too. */
        if (n->read_error != 0) {
            cli_error("--files-from %s: %s", n->list_name, strerror(n->read_error));
            n->read_error = 0;
            return -2;
        }
        return 0;
    }
    n->head ^= 1;
    n->queued--;
    if (slot->kind == CLI_NAME_BAD) {
        cli_error("--files-from %s: entry %zu: %s", n->list_name, slot->entry, slot->why);
        return -1;
    }
    *name = slot->text;
    return 1;
}

const char *cli_names_peek(cli_names *n)
{
    if (n->list == NULL)
        return n->next < n->n_args ? n->args[n->next] : NULL;
    fill(n, 1);
    const cli_name_slot *slot = &n->slots[n->head];
    return slot->kind == CLI_NAME_OK ? slot->text : NULL;
}

void cli_names_close(cli_names *n)
{
    if (n->list != NULL && !n->list_is_stdin)
        fclose(n->list);
    n->list = NULL;
}
