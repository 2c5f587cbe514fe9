/* log.h - structured logs: one JSON object per line on stdout.
 * Safe from any thread; a line is written with a single write(2). */
#ifndef WEIR_LOG_H
#define WEIR_LOG_H

enum weir_log_level {
	WEIR_LOG_DEBUG,
	WEIR_LOG_INFO,
	WEIR_LOG_WARN,
	WEIR_LOG_ERROR
};

/* fd receives the lines; min is the lowest level written. */
void	weir_log_init(int fd, int min_level);
/* msg is a short fixed text; the optional key/value pairs (NULL-ended,
 * all strings) carry the variable parts. */
void	weir_log(enum weir_log_level, const char *msg, ...);

#endif
