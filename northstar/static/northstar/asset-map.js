// The asset map: borough boundaries as the base layer (no tile server needed), one marker per
// asset coloured by theme, hollow and dashed when in the pipeline, dotted when its position is
// only its borough's centre. The filter form updates the map in place.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("map-config").textContent);
  const element = document.getElementById("asset-map");
  const map = L.map(element, { preferCanvas: false }).setView(config.centre, 10);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  const boundaryLayer = L.geoJSON(
    { type: "FeatureCollection", features: config.boundaries.map((b) => ({ type: "Feature", properties: { name: b.name, code: b.code }, geometry: b.geometry })) },
    { style: { color: "#505a5f", weight: 1.5, fillColor: "#f3f2f1", fillOpacity: 0.6 }, interactive: false }
  ).addTo(map);
  boundaryLayer.eachLayer((layer) => layer.bindTooltip(layer.feature.properties.name, { sticky: true }));
  const markers = L.layerGroup().addTo(map);
  const form = document.querySelector("form.ns-filters");

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  function markerFor(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const pipeline = p.status === "pipeline";
    const marker = L.circleMarker([lat, lon], {
      radius: 7,
      color: pipeline ? p.colour : "#0b0c0c",
      weight: pipeline ? 3 : 1.5,
      dashArray: p.position_approximate ? "2 3" : pipeline ? "4 3" : null,
      fillColor: p.colour,
      fillOpacity: pipeline ? 0.15 : 0.9,
      className: `ns-marker ns-marker--${p.theme} ns-marker--${p.status}`,
    });
    marker.bindPopup(
      `<strong><a href="${p.url}">${escapeHtml(p.number + ". " + p.title)}</a></strong><br>` +
        `${escapeHtml(p.theme_name)} · ${pipeline ? "Pipeline" : "Existing"}<br>${escapeHtml(p.borough)}` +
        (p.position_approximate ? "<br><em>Position not known: shown at the area's centre</em>" : "")
    );
    return marker;
  }

  function renderCounts(features) {
    const byTheme = new Map();
    const byBorough = new Map();
    for (const f of features) {
      byTheme.set(f.properties.theme_name, (byTheme.get(f.properties.theme_name) || 0) + 1);
      byBorough.set(f.properties.borough, (byBorough.get(f.properties.borough) || 0) + 1);
    }
    const order = config.themes.map((t) => t.name);
    const fill = (id, entries) => {
      const body = document.querySelector(`#${id} tbody`);
      body.innerHTML = "";
      for (const [label, count] of entries) {
        const row = body.insertRow();
        row.className = "govuk-table__row";
        const th = document.createElement("th");
        th.scope = "row";
        th.className = "govuk-table__header";
        th.textContent = label;
        row.appendChild(th);
        const td = row.insertCell();
        td.className = "govuk-table__cell govuk-table__cell--numeric";
        td.textContent = count;
      }
    };
    fill("theme-counts", [...byTheme.entries()].sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0])));
    fill("borough-counts", [...byBorough.entries()].sort((a, b) => a[0].localeCompare(b[0])));
    document.getElementById("map-count").textContent = features.length;
    document.getElementById("map-count-plural").textContent = features.length === 1 ? "" : "s";
  }

  async function load(query) {
    element.setAttribute("aria-busy", "true");
    const response = await fetch(`${config.geojsonUrl}?${query}`, { headers: { Accept: "application/geo+json" } });
    const data = await response.json();
    markers.clearLayers();
    const placed = data.features.filter((f) => f.geometry);
    for (const feature of placed) markers.addLayer(markerFor(feature));
    renderCounts(placed);
    element.dataset.markerCount = String(placed.length);
    element.setAttribute("aria-busy", "false");
    element.dispatchEvent(new CustomEvent("northstar:map-loaded", { detail: { count: placed.length } }));
  }

  function currentQuery() {
    const params = new URLSearchParams(new FormData(form));
    for (const [key, value] of [...params.entries()]) if (!value) params.delete(key);
    return params.toString();
  }

  if (form) {
    const update = () => {
      const query = currentQuery();
      history.replaceState(null, "", query ? `?${query}` : location.pathname);
      load(query);
    };
    form.addEventListener("change", update);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      update();
    });
  }
  if (config.boundaries.length) map.fitBounds(boundaryLayer.getBounds(), { padding: [10, 10] });
  load(form ? currentQuery() : "");
})();
