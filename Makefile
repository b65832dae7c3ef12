# eventstack-operator: build, generate, test and deploy.
# `make help` lists the targets.

IMG ?= ghcr.io/eventstack-io/eventstack-operator:latest
LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE ?= $(LOCALBIN)/kustomize
KUSTOMIZE_VERSION ?= v5.8.1
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CONTAINER_TOOL ?= docker
GO_TEST_FLAGS ?=

# The test control plane (kube-apiserver, etcd, kubectl), built offline once
# and cached outside the checkout; KUBEBUILDER_ASSETS, when set, wins.
ENVTEST_ASSETS = $(shell bash hack/envtest-assets.sh)

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD, RBAC and webhook manifests from markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./api/..." paths="./internal/controller/..." paths="./internal/webhook/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac output:webhook:artifacts:config=config/webhook

.PHONY: generate
generate: controller-gen ## Generate the DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..." paths="./internal/ack/..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (.golangci.yml) over the whole tree.
	$(GOLANGCI_LINT) run

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and apply the fixes it can make.
	$(GOLANGCI_LINT) run --fix

.PHONY: lint-config
lint-config: golangci-lint ## Check .golangci.yml against golangci-lint's schema.
	$(GOLANGCI_LINT) config verify

.PHONY: envtest
envtest: ## Build (once) or find the test control plane; prints its folder.
	@echo "$(ENVTEST_ASSETS)"

.PHONY: test
test: manifests generate fmt vet npm-packages ack-controllers ## Run every test: unit, envtest integration (real ACK CRDs), the released ACK controllers' tier and end-to-end.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./... -timeout 30m $(GO_TEST_FLAGS) -coverprofile cover.out
	$(MAKE) --no-print-directory fuzz

# The six released ACK service controllers (from ../shared/ack-controllers or
# $ACK_CONTROLLERS_DIR), built once and cached by tag outside the checkout;
# test/released runs them. Prints the releases it has.
.PHONY: ack-controllers
ack-controllers: ## Build (once, cached by tag) the released ACK controllers the test tier runs; prints each release and binary.
	go run ./hack/ack-controllers

# The npm packages the tests use (asl-validator, dynalite), as package-lock.json
# pins them, installed when missing or older than the lock file: no test is
# skipped for a step the README does not give.
.PHONY: npm-packages
npm-packages: node_modules/.package-lock.json
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

.PHONY: verify
verify: manifests generate fmt ## Fail when generated files or formatting are stale, or golangci-lint finds anything.
	@git diff --exit-code -- api config internal cmd || { echo "generated files are stale: run make manifests generate fmt and commit"; exit 1; }
	$(MAKE) --no-print-directory lint

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build the manager binary (the Dockerfile builds with the same flags).
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o bin/manager ./cmd

.PHONY: build-plugin
build-plugin: ## Build the kubectl plugin (kubectl eds) into bin/kubectl-eds.
	go build -trimpath -ldflags "-s -w" -o bin/kubectl-eds ./cmd/kubectl-eds

.PHONY: install-plugin
install-plugin: ## Install the kubectl plugin into $(go env GOPATH)/bin, so that kubectl eds finds it on the PATH.
	go build -trimpath -ldflags "-s -w" -o $(shell go env GOPATH)/bin/kubectl-eds ./cmd/kubectl-eds

.PHONY: run-local
run-local: manifests npm-packages ## Run the operator against a local control plane (kube-apiserver, etcd, ACK CRDs, dynalite for DynamoDB items); prints the kubeconfig. Ctrl-C stops it.
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go run ./cmd/run-local $(RUN_LOCAL_FLAGS)

.PHONY: run
run: manifests generate fmt vet ## Run the operator against the cluster of the current kubeconfig (webhook off).
	go run ./cmd --enable-webhook=false --metrics-bind-address=0

.PHONY: docker-build
docker-build: ## Build the manager image IMG.
	$(CONTAINER_TOOL) build -t ${IMG} .

.PHONY: docker-push
docker-push: ## Push the manager image IMG.
	$(CONTAINER_TOOL) push ${IMG}

# kustomize edit rewrites config/manager/kustomization.yaml in place to set the
# image; the file is restored from git afterwards, even when the build fails,
# so that an installer build leaves the tree clean.
.PHONY: build-installer
build-installer: manifests generate kustomize ## Write dist/install.yaml: CRD, RBAC, manager (image IMG), webhook and certificate.
	mkdir -p dist
	cd config/manager && $(KUSTOMIZE) edit set image controller=${IMG}
	rc=0; $(KUSTOMIZE) build config/default > dist/install.yaml || rc=$$?; \
		git checkout -- config/manager/kustomization.yaml; exit $$rc

##@ Lambda functions

# Lambda's names (arm64, x86_64); amd64 is taken for x86_64.
LAMBDA_ARCH ?= arm64
LAMBDA_MAX_BYTES ?= 12000000
LAMBDA_FUNCTIONS = $(notdir $(wildcard lambdas/cmd/*))
# A count, not a duration: a duration -fuzztime can fail with a bare "context
# deadline exceeded" when it expires (golang/go#75804, fixed in Go 1.27, not in
# 1.26). 50,000 executions take about 5 s per target here.
FUZZ_TIME ?= 50000x

.PHONY: lambdas
lambdas: ## Build each Lambda function for provided.al2023 (LAMBDA_ARCH: arm64, default, or x86_64) into a reproducible dist/<function>.zip; prints sizes and SHA-256.
	go run ./lambdas/hack/buildzip -arch $(LAMBDA_ARCH) -max-bytes $(LAMBDA_MAX_BYTES) -o dist $(addprefix ./lambdas/cmd/,$(LAMBDA_FUNCTIONS))

.PHONY: lambdas-test
lambdas-test: npm-packages ## Test the Lambda functions against dynalite and goaws, then fuzz briefly.
	go test ./lambdas/... $(GO_TEST_FLAGS)
	$(MAKE) --no-print-directory fuzz

.PHONY: fuzz
fuzz: ## Fuzz the Lambda functions' event decoding and validation, FUZZ_TIME per target (go test -fuzz takes one target per run).
	@for target in FuzzDecode FuzzValidate FuzzDecimal FuzzDecodeStream; do \
		go test ./lambdas/internal/events -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZ_TIME) || exit 1; \
	done

##@ Performance

BENCH ?= .
BENCH_TIMEOUT ?= 120m

.PHONY: bench
bench: ## Run the benchmarks of test/perf (docs/performance.md; BENCH=<regexp> selects), after waiting up to 20 min for a 1-minute load average below 1.0.
	@for i in $$(seq 1 120); do \
		load=$$(cut -d' ' -f1 /proc/loadavg); \
		if awk -v l="$$load" 'BEGIN { exit !(l < 1.0) }'; then break; fi; \
		if [ $$i -eq 1 ]; then echo "waiting for the 1-minute load average ($$load) to fall below 1.0 (at most 20 minutes)"; fi; \
		if [ $$i -eq 120 ]; then echo "the load average is still $$load: measuring anyway, the figures are distorted"; fi; \
		sleep 10; \
	done; echo "load average before the benchmarks: $$(cut -d' ' -f1-3 /proc/loadavg)"
	KUBEBUILDER_ASSETS="$(ENVTEST_ASSETS)" go test ./test/perf -run '^$$' -bench '$(BENCH)' -benchtime 1x -timeout $(BENCH_TIMEOUT)

##@ Deployment

.PHONY: install
install: manifests kustomize ## Install the CRD into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRD from the cluster.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found -f -

.PHONY: deploy
deploy: build-installer ## Deploy the operator (image IMG) to the cluster of the current kubeconfig; needs cert-manager.
	kubectl apply --server-side -f dist/install.yaml

.PHONY: undeploy
undeploy: kustomize ## Remove the operator and its CRD, so every stack and its ACK children (and AWS resources, deletionPolicy Delete).
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found -f -

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

.PHONY: kustomize
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE):
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# Built from the module proxy and kept under a versioned name, so that a
# version bump builds the new one instead of running a stale binary.
.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT):
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv -f $(LOCALBIN)/golangci-lint $(GOLANGCI_LINT)
