// Force-included into the members cmake/TgOwtQuietChecks.cmake recompiles: RTC_DCHECK still
// compiles its condition but no longer evaluates it. RTC_DCHECK_IS_ON stays 1, so no class
// changes layout (SequenceChecker and friends keep their members).
#pragma once
#include "rtc_base/checks.h"
#undef RTC_DCHECK
#define RTC_DCHECK(condition) RTC_EAT_STREAM_PARAMETERS(condition)
