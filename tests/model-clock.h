/* SPDX-License-Identifier: MIT */
/* model-clock.h - driving the fake clock of check-model. */
#ifndef TESTS_MODEL_CLOCK_H
#define TESTS_MODEL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

void model_clock_set(uint64_t ns);
/* The earliest armed timer's time; false if none is armed. */
bool model_clock_next(uint64_t *at);
/* Fire the earliest timer that is due now; false if none is. */
bool model_clock_fire_one(void);

#endif
