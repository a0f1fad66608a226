// SPDX-License-Identifier: Apache-2.0
// k8saudit: fast, exact Kubernetes audit events. The umbrella header.
#pragma once

#include "k8saudit/version.h"
#include "k8saudit/error.h"
#include "k8saudit/time.h"
#include "k8saudit/formats.h"
#include "k8saudit/event.h"
#include "k8saudit/parser.h"
#include "k8saudit/prefilter.h"
#include "k8saudit/reader.h"
#include "k8saudit/filter.h"
#include "k8saudit/sketches.h"
#include "k8saudit/aggregate.h"
#include "k8saudit/parallel.h"
#include "k8saudit/write.h"
#include "k8saudit/policy.h"
