#!/usr/bin/env bash
# Checks the served OpenAPI document with the real tools, against the real Api:
#   1. starts the already-built Api (embedded, in memory) and downloads /openapi/v1.json;
#   2. Redocly CLI lint, recommended rules: 0 errors (warnings are printed, not fatal);
#   3. Kiota (the dotnet tool) generates a C# client from it, which must build, type money as decimal, the order
#      status as an enum, and map each error to a problem class derived from ProblemDetails;
#   4. Stoplight Prism as a validating proxy in front of the Api, driven through a full shopping flow
#      with curl: every answer must have the expected status and Prism must report no violation.
# Needs the Release build (dotnet build Orleans.sln -c Release), node and npm; the npm tools are pinned
# and installed once into $OPENAPI_TOOLS_DIR (default ~/.cache/doorbuster/openapi-tools).
#
#   bash ci/validate-openapi.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PRISM_VERSION=5.16.0
REDOCLY_VERSION=2.77.0
KIOTA_VERSION=1.38.0
KIOTA_PACKAGES_VERSION=2.1.6
tools="${OPENAPI_TOOLS_DIR:-$HOME/.cache/doorbuster/openapi-tools}"
api_dll=src/Api/bin/Release/net10.0/Doorbuster.Api.dll
admin_key="ci-openapi-$RANDOM$RANDOM"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

for tool in dotnet node npm curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done
[ -f "$api_dll" ] || fail "$api_dll is missing: run 'dotnet build Orleans.sln -c Release' first"

work="$(mktemp -d)"
pids=()
cleanup() {
  local code=$? pid log
  if [ "$code" -ne 0 ]; then
    for log in "$work"/api.log "$work"/prism-*.log; do
      [ -f "$log" ] && { printf '\n--- last lines of %s\n' "$(basename "$log")"; tail -n 25 "$log"; }
    done
  fi
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: sets $port to a loopback port nobody listens on and not handed out before in this run
# (a variable, not output: a command substitution's subshell would forget what was handed out).
taken=" "
free_port() {
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    case "$taken" in *" $port "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken="$taken$port "
      return 0
    fi
  done
  fail "no free loopback port"
}

step "tools: @stoplight/prism-cli@$PRISM_VERSION, @redocly/cli@$REDOCLY_VERSION (in $tools)"
prism="$tools/node_modules/.bin/prism"
redocly="$tools/node_modules/.bin/redocly"
if [ "$("$prism" --version 2>/dev/null)" != "$PRISM_VERSION" ] || [ "$("$redocly" --version 2>/dev/null)" != "$REDOCLY_VERSION" ]; then
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-fund --no-audit --loglevel=error \
    "@stoplight/prism-cli@$PRISM_VERSION" "@redocly/cli@$REDOCLY_VERSION" >"$work/npm.log" 2>&1 \
    || { cat "$work/npm.log"; fail "npm could not install the tools"; }
fi
echo "prism $("$prism" --version 2>/dev/null), redocly $("$redocly" --version 2>/dev/null), node $(node --version)"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

step "start the Api (embedded mode, in memory)"
free_port; api="http://127.0.0.1:$port"
free_port; silo_port=$port
free_port; gateway_port=$port
Admin__ApiKey="$admin_key" Orleans__SiloPort="$silo_port" Orleans__GatewayPort="$gateway_port" \
  dotnet "$api_dll" --urls "$api" --in-memory >"$work/api.log" 2>&1 &
pids+=($!)
api_pid=$!
for _ in $(seq 120); do
  curl -sf -o /dev/null "$api/health/ready" && break
  kill -0 "$api_pid" 2>/dev/null || { tail -n 40 "$work/api.log"; fail "the Api exited during start-up"; }
  sleep 0.5
done
curl -sf -o /dev/null "$api/health/ready" || { tail -n 40 "$work/api.log"; fail "the Api was not ready within 60 s"; }
curl -sf -o "$work/openapi.json" "$api/openapi/v1.json" || fail "GET /openapi/v1.json failed"
echo "ready at $api; /openapi/v1.json is $(wc -c <"$work/openapi.json") bytes"

step "redocly lint --extends=recommended (0 errors required)"
set +e
"$redocly" lint --extends=recommended --format=stylish "$work/openapi.json" >"$work/redocly.log" 2>&1
lint_exit=$?
set -e
# The deprecation banner about the Node.js version is noise here.
grep -v -E '^\s*(║|╔|╚)' "$work/redocly.log" | sed '/^\s*$/d'
[ "$lint_exit" -eq 0 ] || fail "redocly lint found errors (exit $lint_exit)"
echo "redocly: 0 errors"

step "kiota $KIOTA_VERSION: generate a C# client and build it"
kiota="$tools/kiota-$KIOTA_VERSION/kiota"
if [ ! -x "$kiota" ]; then
  dotnet tool install --tool-path "$tools/kiota-$KIOTA_VERSION" Microsoft.OpenApi.Kiota --version "$KIOTA_VERSION" >"$work/kiota-install.log" 2>&1 \
    || { cat "$work/kiota-install.log"; fail "could not install Kiota $KIOTA_VERSION"; }
fi
client="$work/kiota-client"
KIOTA_TUTORIAL_ENABLED=false "$kiota" generate --language CSharp --openapi "$work/openapi.json" --output "$client/Generated" \
  --class-name DoorbusterApi --namespace-name Doorbuster.Generated --clean-output --log-level Warning >"$work/kiota.log" 2>&1 \
  || { cat "$work/kiota.log"; fail "kiota generate failed"; }
cat >"$client/KiotaClient.csproj" <<PROJECT
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.Kiota.Abstractions" Version="$KIOTA_PACKAGES_VERSION" />
    <PackageReference Include="Microsoft.Kiota.Http.HttpClientLibrary" Version="$KIOTA_PACKAGES_VERSION" />
    <PackageReference Include="Microsoft.Kiota.Serialization.Json" Version="$KIOTA_PACKAGES_VERSION" />
    <PackageReference Include="Microsoft.Kiota.Serialization.Text" Version="$KIOTA_PACKAGES_VERSION" />
    <PackageReference Include="Microsoft.Kiota.Serialization.Form" Version="$KIOTA_PACKAGES_VERSION" />
    <PackageReference Include="Microsoft.Kiota.Serialization.Multipart" Version="$KIOTA_PACKAGES_VERSION" />
  </ItemGroup>
</Project>
PROJECT
dotnet build "$client/KiotaClient.csproj" -nologo -v quiet >"$work/kiota-build.log" 2>&1 || { tail -n 30 "$work/kiota-build.log"; fail "the generated client does not build"; }
models="$client/Generated/Models"
grep -q 'public decimal? Price' "$models/ProductResponse.cs" || fail "the generated client does not type a product's price as decimal"
grep -q 'public decimal? Total' "$models/OrderResponse.cs" || fail "the generated client does not type an order's total as decimal"
grep -q 'OrderStatusName? Status' "$models/OrderResponse.cs" || fail "the generated client does not type an order's status as an enum"
grep -q 'class InsufficientStockProblem : global::Doorbuster.Generated.Models.ProblemDetails' "$models/InsufficientStockProblem.cs" \
  || fail "the generated insufficient-stock problem does not derive from ProblemDetails"
grep -q 'override string Message' "$models/ProblemDetails.cs" || fail "the generated ProblemDetails does not take its message from detail"
grep -rq 'InsufficientStockProblem.CreateFromDiscriminatorValue' "$client/Generated/Api/Carts" || fail "the generated checkout does not map 409 to the insufficient-stock problem"
echo "kiota: the generated client builds; money is decimal, the order status an enum, errors are typed problems"

# start_prism DOCUMENT: a validating proxy for DOCUMENT in front of the Api; sets $proxy and $prism_log.
start_prism() {
  local pid
  free_port
  proxy="http://127.0.0.1:$port"
  prism_log="$work/prism-$port.log"
  "$prism" proxy "$1" "$api" --errors -h 127.0.0.1 -p "$port" >"$prism_log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 120); do
    grep -q "Prism is listening" "$prism_log" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$prism_log"; fail "prism exited during start-up"; }
    sleep 0.5
  done
  cat "$prism_log"
  fail "prism did not start within 60 s"
}

body="$work/body.json"
headers="$work/headers.txt"

# send METHOD PATH [curl arguments...]: one request through the proxy; sets $status.
send() {
  local method="$1" path="$2"
  shift 2
  status="$(curl -s -o "$body" -D "$headers" -w '%{http_code}' -X "$method" "$proxy$path" "$@")" || fail "$method $path: curl failed"
}

# Why the last answer is not a clean answer of the Api, or nothing. Prism 5.16 with --errors answers a
# request that breaks the document with a problem of its own (422 UNPROCESSABLE_ENTITY, 401 UNAUTHORIZED)
# without forwarding it, and turns an error-level violation of the Api's response into a 500 VIOLATIONS
# problem; its types are https://stoplight.io/prism/errors#... A warning-level violation (an undocumented
# status, for one) passes the Api's answer through with an sl-violations header. Every violation is in
# sl-violations; Kestrel's Server header shows that the Api answered.
violation() {
  if grep -qi '^sl-violations:' "$headers"; then
    echo "Prism reports $(grep -i '^sl-violations:' "$headers" | tr -d '\r')"
  elif grep -q 'stoplight.io/prism/errors' "$body"; then
    echo "Prism answered $status itself: $(cat "$body")"
  elif ! grep -qi '^server: Kestrel' "$headers"; then
    echo "the answer ($status) did not come from the Api: $(cat "$body")"
  fi
}

checks=0
passed() {
  checks=$((checks + 1))
  printf 'ok  %s %-6s %s%s\n' "$status" "$1" "$2" "${3:+  ($3)}"
}

# call EXPECTED METHOD PATH [curl arguments...]: the Api answers EXPECTED and Prism finds no violation.
call() {
  local expected="$1" method="$2" path="$3" why
  shift 3
  send "$method" "$path" "$@"
  why="$(violation)"
  [ -z "$why" ] || fail "$method $path: $why"
  [ "$status" = "$expected" ] || fail "$method $path: expected $expected, got $status: $(cat "$body")"
  passed "$method" "$path"
}

# refused_by_prism SLUG METHOD PATH [curl arguments...]: Prism itself refuses the request as the document
# says it must (the Api never sees it), with the problem type ending in #SLUG.
prism_refusals=0
refused_by_prism() {
  local slug="$1" method="$2" path="$3"
  shift 3
  send "$method" "$path" "$@"
  grep -q "stoplight.io/prism/errors#$slug" "$body" || fail "$method $path: expected Prism to refuse it with $slug, got $status: $(cat "$body")"
  prism_refusals=$((prism_refusals + 1))
  passed "$method" "$path" "refused by Prism: $slug"
}

# field NAME: a top-level field of the last answer's JSON body.
field() { node -e 'const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.stdout.write(String(b[process.argv[2]] ?? ""))' "$body" "$1"; }
# header NAME: a header of the last answer.
header() { grep -i "^$1:" "$headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

step "prism proxy --errors in front of the Api: a shopping flow through it"
start_prism "$work/openapi.json"
echo "prism listening at $proxy"

json=(-H 'Content-Type: application/json')
admin=(-H "X-Api-Key: $admin_key")
sku="CI-$RANDOM$RANDOM"
scarce="CI-SCARCE-$RANDOM$RANDOM"

call 200 PUT "/api/products/$sku" "${admin[@]}" "${json[@]}" -d '{"name":"CI mug","category":"ci","price":9.99}'
call 200 PUT "/api/products/$sku" "${admin[@]}" "${json[@]}" -d '{"name":"CI mug","description":"Blue","category":"ci","price":12.50,"currency":"USD"}'
call 200 PUT "/api/products/$scarce" "${admin[@]}" "${json[@]}" -d '{"name":"CI scarce","category":"ci","price":1.00}'
call 200 POST "/api/inventory/$sku/restock" "${admin[@]}" "${json[@]}" -d '{"quantity":50}'
call 200 POST "/api/inventory/$sku/restock" "${admin[@]}" "${json[@]}" -H 'Idempotency-Key: ci-restock-1' -d '{"quantity":5}'
call 200 POST "/api/inventory/$sku/restock" "${admin[@]}" "${json[@]}" -H 'Idempotency-Key: ci-restock-1' -d '{"quantity":5}'
call 422 POST "/api/inventory/$sku/restock" "${admin[@]}" "${json[@]}" -H 'Idempotency-Key: ci-restock-1' -d '{"quantity":6}'
call 200 POST "/api/inventory/$scarce/restock" "${admin[@]}" "${json[@]}" -d '{"quantity":1}'
call 200 GET "/api/products/$sku"
call 200 GET "/api/products?category=ci&page=1&pageSize=20"
call 200 GET "/api/inventory/$sku"
[ "$(field available)" = 55 ] || fail "stock of $sku: expected 55 available after the restocks, got $(field available)"

call 201 POST /api/carts
cart="$(field cartId)"
[ "$(header Location)" = "/api/carts/$cart" ] || fail "POST /api/carts: Location '$(header Location)' is not /api/carts/$cart"
call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$sku\",\"quantity\":2}"
call 200 POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$scarce\",\"quantity\":1}"
call 200 PUT "/api/carts/$cart/items/$sku" "${json[@]}" -d '{"quantity":3}'
call 200 DELETE "/api/carts/$cart/items/$scarce"
call 200 GET "/api/carts/$cart"
call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: ci-checkout-1'
order="$(field orderId)"
[ "$(header Location)" = "/api/orders/$order" ] || fail "checkout: Location '$(header Location)' is not /api/orders/$order"
call 201 POST "/api/carts/$cart/checkout" -H 'Idempotency-Key: ci-checkout-1'
[ "$(field orderId)" = "$order" ] || fail "the repeated checkout answered another order"
call 200 GET "/api/orders/$order"
call 200 POST "/api/orders/$order/pay"
call 409 POST "/api/orders/$order/cancel"

call 201 POST /api/carts
short_cart="$(field cartId)"
call 200 POST "/api/carts/$short_cart/items" "${json[@]}" -d "{\"sku\":\"$scarce\",\"quantity\":2}"
call 409 POST "/api/carts/$short_cart/checkout" -H 'Idempotency-Key: ci-checkout-2'
[ "$(field type)" = "https://doorbuster.dev/problems/insufficient-stock" ] || fail "the refused checkout is not an insufficient-stock problem"
call 204 DELETE "/api/carts/$short_cart"

call 404 GET /api/products/CI-NO-SUCH-SKU
# The document states the contract's bounds, so Prism refuses a request outside them itself; the Api's own 400s
# for the same requests are in the xunit tests (FrontDoorTests, CartApiTests).
refused_by_prism UNPROCESSABLE_ENTITY GET "/api/products?page=0"
refused_by_prism UNPROCESSABLE_ENTITY POST "/api/carts/$cart/items" "${json[@]}" -d "{\"sku\":\"$sku\",\"quantity\":0}"
# Prism checks the declared apiKey scheme by the header's presence: without it Prism refuses the request
# (proof that the document declares the security), with a wrong key the Api's own 401 is validated.
refused_by_prism UNAUTHORIZED PUT "/api/products/$sku" "${json[@]}" -d '{"name":"CI mug","category":"ci","price":9.99}'
call 401 PUT "/api/products/$sku" -H 'X-Api-Key: not-the-key' "${json[@]}" -d '{"name":"CI mug","category":"ci","price":9.99}'
call 404 GET /api/carts/forged-cart-id
# Prism refuses a body of another media type itself (the document accepts application/json only).
refused_by_prism UNPROCESSABLE_ENTITY POST "/api/carts/$cart/items" -H 'Content-Type: text/plain' -d "{\"sku\":\"$sku\",\"quantity\":1}"
big="$(head -c 70000 /dev/zero | tr '\0' x)"
# Within the document's field bounds (the bulk is a field the document does not know), over the Api's 64 KiB.
call 413 PUT "/api/products/$sku" "${admin[@]}" "${json[@]}" -d "{\"name\":\"CI mug\",\"category\":\"ci\",\"price\":9.99,\"padding\":\"$big\"}"

# The log must agree: no violation, and no request ended in an error besides the expected refusals.
if grep -qi 'violation' "$prism_log"; then
  grep -i 'violation' "$prism_log"
  fail "prism logged violations"
fi
terminated="$(grep -c 'Request terminated with error' "$prism_log" || true)"
[ "$terminated" -eq "$prism_refusals" ] || { grep 'Request terminated with error' "$prism_log"; fail "prism ended $terminated requests with an error, expected $prism_refusals"; }

step "canary: the same checks catch a response that breaks the document"
# A copy of the document that requires a field no product has: if this passed, the checks above would prove nothing.
node -e '
  const fs = require("fs");
  const doc = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  doc.components.schemas.ProductResponse.required.push("ciCanary");
  fs.writeFileSync(process.argv[2], JSON.stringify(doc));' "$work/openapi.json" "$work/canary.json"
start_prism "$work/canary.json"
send GET "/api/products/$sku"
why="$(violation)"
[ -n "$why" ] || fail "prism let a response without the required ciCanary through: the violation checks do not work"
echo "ok  caught: $why"

printf '\nopenapi: redocly lint 0 errors; %d requests through prism %s answered as expected with no violation (%d of them refused by Prism as the document requires); the canary was caught\n' \
  "$checks" "$PRISM_VERSION" "$prism_refusals"
