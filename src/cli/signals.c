/* signals.c - how nnclass ends on a signal: every temporary file it is
 * writing is removed first (nn_atomic_remove_temps), then the signal is
 * raised again with its default action, so that the exit status is the
 * signal's (130 for SIGINT, 141 for SIGPIPE, 143 for SIGTERM in a shell).
 * SIGXFSZ is ignored: past a file-size limit (ulimit -f) write() fails with
 * EFBIG and the command reports it as the write error it is. */
#include "cli.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "nnclass/base/atomic.h"

/* The signals that end the process and that it cleans up after. */
static const int fatal_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE};
#define N_FATAL (sizeof fatal_signals / sizeof fatal_signals[0])

/* Seconds a stop request (cli_signals_stop_on) may take before the process
 * ends anyway: training notices a stop between minibatches, far sooner;
 * a thread stuck inside a library call never does. */
#define STOP_GRACE_SECONDS 5

static volatile sig_atomic_t *stop_flag = NULL;

/* Removes the temporary files and dies of sig. Async-signal-safe only. */
static void die_of(int sig)
{
    nn_atomic_remove_temps();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig); /* a signal whose default action does not end a process */
}

static void on_fatal(int sig)
{
    die_of(sig);
}

/* While training: the first SIGHUP, SIGINT or SIGTERM asks it to stop and
 * save nothing; if that has not happened after the grace period, SIGALRM
 * ends the process as the signal would have. */
static void on_stop(int sig)
{
    if (*stop_flag != 0) {
        die_of((int)*stop_flag); /* asked twice: stop now */
        return;
    }
    *stop_flag = sig;
    alarm(STOP_GRACE_SECONDS);
}

static void on_alarm(int sig)
{
    die_of(stop_flag != NULL && *stop_flag != 0 ? (int)*stop_flag : sig);
}

/* Installs handler for sig, unless sig was ignored when nnclass started
 * (nohup, a background job, a parent that ignores SIGPIPE): that choice is
 * the caller's and stays. */
static void catch(int sig, void (*handler)(int))
{
    struct sigaction old, sa;
    if (sigaction(sig, NULL, &old) != 0 || old.sa_handler == SIG_IGN)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigfillset(&sa.sa_mask); /* one handler at a time */
    sigaction(sig, &sa, NULL);
}

void cli_signals_init(void)
{
    for (size_t i = 0; i < N_FATAL; i++)
        catch(fatal_signals[i], on_fatal);
    signal(SIGXFSZ, SIG_IGN);
}

void cli_signals_stop_on(volatile sig_atomic_t *flag)
{
    stop_flag = flag;
    catch(SIGALRM, on_alarm);
    catch(SIGHUP, on_stop);
    catch(SIGINT, on_stop);
    catch(SIGTERM, on_stop);
}

void cli_signals_stop_off(void)
{
    alarm(0);
    catch(SIGHUP, on_fatal);
    catch(SIGINT, on_fatal);
    catch(SIGTERM, on_fatal);
}
