// The portfolio's map of beneficiaries: each borough of the default place shaded by how many
// unique businesses have a verified claim there (boundaries as the base layer, no tile server).
// Without a borough's boundary, a circle at its centre sized by the count stands in for it.
// Counts only: the page never sends who the businesses are. The table beside the map gives the
// same numbers as text.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("beneficiary-map-config").textContent);
  const element = document.getElementById("beneficiary-map");
  const map = L.map(element, { zoomSnap: 0.25 }).setView(config.centre, 10);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
  }
  const label = (b) => `${b.name}: ${b.count} business${b.count === 1 ? "" : "es"}`;
  const shapes = L.featureGroup().addTo(map);
  const maxCount = Math.max(1, ...config.boroughs.map((b) => b.count));

  function tag(layer, b) {
    layer.bindTooltip(label(b), { sticky: true });
    layer.on("add", () => {
      const path = layer.getElement();
      if (!path) return;
      path.dataset.borough = b.code;
      path.dataset.count = String(b.count);
    });
    return layer;
  }

  for (const b of config.boroughs) {
    if (b.geometry) {
      const area = L.geoJSON(
        { type: "Feature", properties: { code: b.code, name: b.name }, geometry: b.geometry },
        {
          style: {
            color: "#0b0c0c",
            weight: 1.5,
            fillColor: b.colour,
            fillOpacity: 0.85,
            className: `ns-beneficiary-borough ns-beneficiary-borough--band-${b.band}`,
          },
        }
      );
      area.eachLayer((layer) => tag(layer, b));
      shapes.addLayer(area);
    } else if (b.centre) {
      // Area proportional to the count; an empty borough still shows as a small hollow ring.
      const radius = b.count ? 6 + 24 * Math.sqrt(b.count / maxCount) : 5;
      shapes.addLayer(
        tag(
          L.circleMarker(b.centre, {
            radius,
            color: "#0b0c0c",
            weight: 1.5,
            fillColor: b.colour,
            fillOpacity: b.count ? 0.85 : 0.2,
            className: `ns-beneficiary-borough ns-beneficiary-borough--circle ns-beneficiary-borough--band-${b.band}`,
          }),
          b
        )
      );
    }
  }
  if (shapes.getLayers().length) map.fitBounds(shapes.getBounds(), { padding: [10, 10] });
  element.dataset.boroughCount = String(config.boroughs.length);
  element.dataset.ready = "true";
})();
