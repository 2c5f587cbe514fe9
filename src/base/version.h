/* version.h - the version and commit baked in by scripts/build.
 * Defaults keep a plain compile working. */
#ifndef WEIR_VERSION_H
#define WEIR_VERSION_H

#ifndef WEIR_VERSION
#define WEIR_VERSION	"0.1.0"
#endif
#ifndef WEIR_COMMIT
#define WEIR_COMMIT	"unknown"
#endif

#endif
