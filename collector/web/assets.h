// The web UI's static assets, embedded in the binary (no files to install or find).
#pragma once

#include <string_view>

namespace uplinkprobe::collector::web {

inline constexpr std::string_view kAppCss = R"CSS(
:root { --fg:#1f2937; --muted:#6b7280; --line:#d1d5db; --bg:#f9fafb; --accent:#1d4ed8;
  --ok:#15803d; --bad:#b91c1c; --warn:#b45309; }
* { box-sizing: border-box; }
body { margin:0; font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC",
  system-ui, sans-serif; color:var(--fg); background:var(--bg); font-size:14px; }
header { background:#0f3d7a; color:#fff; padding:10px 20px; display:flex; gap:20px;
  align-items:center; flex-wrap:wrap; }
header a, header button.link { color:#fff; text-decoration:none; font-size:14px; }
header .brand { font-weight:700; font-size:17px; margin-right:12px; }
header .spacer { flex:1; }
header .who { color:#cbd5e1; font-size:13px; }
header form { display:inline; margin:0; }
button.link { background:none; border:1px solid #93c5fd; border-radius:4px; padding:2px 8px;
  cursor:pointer; }
main { padding:16px 20px 40px; max-width:1400px; }
h1 { font-size:20px; margin:4px 0 8px; }
h2 { font-size:16px; margin:22px 0 8px; border-bottom:1px solid var(--line); padding-bottom:4px; }
p.note { color:var(--muted); margin:4px 0 10px; }
nav.crumbs { color:var(--muted); margin-bottom:6px; }
nav.crumbs a { color:var(--accent); }
table { border-collapse:collapse; background:#fff; width:100%; }
th, td { border:1px solid var(--line); padding:5px 7px; text-align:left; vertical-align:top; }
table.schools, table#below { font-size:13px; }
table.schools td, table#below td, td.nw { white-space:nowrap; }
table.schools td:nth-child(2), table#below td:nth-child(4) { white-space:normal; min-width:8em; }
.wide { overflow-x:auto; }
details summary { cursor:pointer; font-size:12px; color:#374151; overflow:hidden;
  text-overflow:ellipsis; white-space:nowrap; max-width:1100px; }
th { background:#eef2f7; font-weight:600; white-space:nowrap; }
th a { color:var(--fg); text-decoration:none; }
td.n, th.n { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
tr.total td { font-weight:700; background:#f3f4f6; }
a { color:var(--accent); }
.pass { color:var(--ok); font-weight:600; }
.fail { color:var(--bad); font-weight:600; }
.st-live { color:var(--ok); } .st-stale { color:var(--warn); } .st-never { color:var(--bad); }
.kv { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; background:#fff;
  border:1px solid var(--line); padding:10px 14px; max-width:900px; }
.kv dt { color:var(--muted); } .kv dd { margin:0; }
.filters { display:flex; gap:10px; align-items:center; flex-wrap:wrap; margin:8px 0; }
.filters select, .filters input { padding:3px 6px; }
.pager { margin:10px 0; display:flex; gap:14px; align-items:center; }
.login { max-width:360px; margin:60px auto; background:#fff; border:1px solid var(--line);
  padding:24px; }
.login label { display:block; margin:10px 0 4px; }
.login input { width:100%; padding:6px; font-size:15px; }
.login button { margin-top:16px; padding:7px 18px; font-size:15px; }
.error { color:var(--bad); font-weight:600; }
pre.raw { white-space:pre-wrap; word-break:break-all; font-size:12px; margin:4px 0 0; }
footer { color:var(--muted); font-size:12px; padding:10px 20px; }
svg.chart { background:#fff; border:1px solid var(--line); max-width:100%; height:auto; }
svg .grid { stroke:#e5e7eb; stroke-width:1; }
svg .tick, svg .unit, svg .legend, svg .reflabel { font-size:11px; fill:#4b5563; }
svg .s-down { fill:none; stroke:#1d4ed8; stroke-width:1.5; } svg .s-down-p, svg .s-down-k { fill:#1d4ed8; }
svg .s-up { fill:none; stroke:#059669; stroke-width:1.5; } svg .s-up-p, svg .s-up-k { fill:#059669; }
svg .s-idle { fill:none; stroke:#7c3aed; stroke-width:1.5; } svg .s-idle-p, svg .s-idle-k { fill:#7c3aed; }
svg .s-loaded { fill:none; stroke:#ea580c; stroke-width:1.5; } svg .s-loaded-p, svg .s-loaded-k { fill:#ea580c; }
svg .ref-target { stroke:#dc2626; stroke-width:1.5; stroke-dasharray:6 4; }
svg .ref-target-t { fill:#dc2626; }
svg .ref-contract { stroke:#b45309; stroke-width:1.5; stroke-dasharray:2 3; }
svg .ref-contract-t { fill:#b45309; }
svg .tl-bg { fill:#dcfce7; } svg .tl-out { fill:#dc2626; }
.alert { background:#fff; border:1px solid var(--line); padding:8px 12px; margin:6px 0; }
.alert p { margin:2px 0; } .acked { color:var(--ok); font-weight:600; }
form.ack input { padding:4px 6px; width:22em; } form.ack button { padding:4px 12px; }
svg.spark { vertical-align:middle; } svg .sp-ok { fill:#16a34a; } svg .sp-bad { fill:#dc2626; }
svg .sp-none { fill:#d1d5db; }
@media print { header form, .filters, .pager { display:none; } body { background:#fff; } }
)CSS";

// Progressive: filter selects submit on change. The pages work the same without it.
inline constexpr std::string_view kAppJs = R"JS(
document.addEventListener('DOMContentLoaded', function () {
  document.querySelectorAll('form.filters select').forEach(function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
});
)JS";

}  // namespace uplinkprobe::collector::web
