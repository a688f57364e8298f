import Foundation

/// A grouped bar chart as inline SVG, no scripts and no external assets:
/// side-by-side panels, each a row of groups (opt levels) of bars (one per
/// series, a policy), each bar a percentage with a solid part and a hatched
/// part stacked on it. Every bar carries a `<title>` tooltip.
struct SVGChart {
    struct Series {
        let name: String
        /// A CSS colour, `#rrggbb`.
        let colour: String
    }

    struct Bar {
        /// Percent (0...100) drawn solid, from the axis up.
        let solid: Double
        /// Percent drawn hatched on top of the solid part.
        let hatched: Double
        /// Printed above the bar.
        let label: String
        let tooltip: String
    }

    struct Group {
        let label: String
        /// One per series; nil draws nothing (no data).
        let bars: [Bar?]
    }

    struct Panel {
        let title: String
        let groups: [Group]
    }

    /// Unique within the page: prefixes the ids of patterns and titles.
    let id: String
    let title: String
    let series: [Series]
    /// What the hatched part of a bar means, for the legend.
    let hatchedLabel: String
    let xLabel: String
    let yLabel: String
    let panels: [Panel]
    /// Group labels slanted (long names, such as causes), with room below.
    var slantedLabels = false

    // Geometry, in SVG user units.
    static let barWidth = 20.0
    static let barGap = 3.0
    static let groupGap = 22.0
    static let plotHeight = 200.0
    static let left = 58.0, right = 14.0, panelGap = 30.0
    static let top = 92.0, bottom = 52.0

    private var groupWidth: Double {
        Double(series.count) * Self.barWidth + Double(max(0, series.count - 1)) * Self.barGap
    }

    private func panelWidth(_ p: Panel) -> Double {
        Self.left + Double(p.groups.count) * (groupWidth + Self.groupGap) + Self.right
    }

    /// Wide enough for the panels, the title and the legend (text widths
    /// estimated from the font sizes in the page's CSS).
    var width: Double {
        let plots = panels.map(panelWidth).reduce(0, +) + Double(max(0, panels.count - 1)) * Self.panelGap
        let title = Double(title.count) * 9.0
        return max(plots, title, legendWidth).rounded(.up)
    }

    private func legendStep(_ name: String) -> Double { 27 + Double(name.count) * 7.2 }

    private var legendWidth: Double {
        series.map { legendStep($0.name) }.reduce(0, +) + (hatchedLabel.isEmpty ? 0 : 12 + 17 + Double(hatchedLabel.count) * 7.2)
    }
    var height: Double { Self.top + Self.plotHeight + bottomMargin }

    /// Room under the plot: slanted labels need their length's height.
    private var bottomMargin: Double {
        guard slantedLabels else { return Self.bottom }
        let longest = panels.flatMap { $0.groups.map(\.label.count) }.max() ?? 0
        return Self.bottom + Double(longest) * 4.5
    }

    func render() -> String {
        var s: [String] = []
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(Self.num(width))\" "
            + "height=\"\(Self.num(height))\" viewBox=\"0 0 \(Self.num(width)) \(Self.num(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title\">")
        s.append("<title id=\"\(id)-title\">\(HTML.escape(title))</title>")
        s.append("<defs>")
        for (i, se) in series.enumerated() { s.append(pattern(id: hatchID(i), colour: se.colour)) }
        s.append(pattern(id: "\(id)-hatch-legend", colour: "#555555"))
        s.append("</defs>")
        s.append("<text class=\"chart-title\" x=\"0\" y=\"16\">\(HTML.escape(title))</text>")
        s += legend()
        var x = 0.0
        for p in panels {
            s += panel(p, at: x)
            x += panelWidth(p) + Self.panelGap
        }
        s.append("</svg>")
        return s.joined(separator: "\n")
    }

    private func hatchID(_ series: Int) -> String { "\(id)-hatch-\(series)" }

    /// Diagonal stripes of the colour over a light tint of it.
    private func pattern(id: String, colour: String) -> String {
        "<pattern id=\"\(id)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
            + "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"\(colour)\" "
            + "fill-opacity=\"0.28\"/><line x1=\"1.5\" y1=\"0\" x2=\"1.5\" y2=\"6\" stroke=\"\(colour)\" "
            + "stroke-width=\"2.5\"/></pattern>"
    }

    private func legend() -> [String] {
        var s: [String] = []
        var x = 0.0
        let y = 32.0
        for se in series {
            s.append("<rect x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" width=\"12\" height=\"12\" fill=\"\(se.colour)\"/>")
            s.append("<text class=\"legend\" x=\"\(Self.num(x + 17))\" y=\"\(Self.num(y + 10.5))\">\(HTML.escape(se.name))</text>")
            x += legendStep(se.name)
        }
        guard !hatchedLabel.isEmpty else { return s }
        x += 12
        s.append("<rect x=\"\(Self.num(x))\" y=\"\(Self.num(y))\" width=\"12\" height=\"12\" fill=\"url(#\(id)-hatch-legend)\" "
            + "stroke=\"#555555\" stroke-width=\"0.5\"/>")
        s.append("<text class=\"legend\" x=\"\(Self.num(x + 17))\" y=\"\(Self.num(y + 10.5))\">\(HTML.escape(hatchedLabel))</text>")
        return s
    }

    private func panel(_ p: Panel, at x0: Double) -> [String] {
        var s: [String] = []
        let plotLeft = x0 + Self.left
        let plotRight = x0 + panelWidth(p) - Self.right
        let baseY = Self.top + Self.plotHeight
        func y(_ percent: Double) -> Double { baseY - min(100, max(0, percent)) / 100 * Self.plotHeight }

        s.append("<g class=\"panel\">")
        s.append("<text class=\"panel-title\" x=\"\(Self.num((plotLeft + plotRight) / 2))\" y=\"\(Self.num(Self.top - 20))\" "
            + "text-anchor=\"middle\">\(HTML.escape(p.title))</text>")
        // Grid and y axis.
        for tick in stride(from: 0, through: 100, by: 25) {
            let ty = y(Double(tick))
            s.append("<line class=\"\(tick == 0 ? "axis" : "grid")\" x1=\"\(Self.num(plotLeft))\" y1=\"\(Self.num(ty))\" "
                + "x2=\"\(Self.num(plotRight))\" y2=\"\(Self.num(ty))\"/>")
            s.append("<text class=\"tick\" x=\"\(Self.num(plotLeft - 6))\" y=\"\(Self.num(ty + 4))\" "
                + "text-anchor=\"end\">\(tick)</text>")
        }
        s.append("<line class=\"axis\" x1=\"\(Self.num(plotLeft))\" y1=\"\(Self.num(y(100)))\" x2=\"\(Self.num(plotLeft))\" "
            + "y2=\"\(Self.num(baseY))\"/>")
        let midY = (y(100) + baseY) / 2
        s.append("<text class=\"axis-label\" x=\"\(Self.num(x0 + 14))\" y=\"\(Self.num(midY))\" text-anchor=\"middle\" "
            + "transform=\"rotate(-90 \(Self.num(x0 + 14)) \(Self.num(midY)))\">\(HTML.escape(yLabel))</text>")
        // Bars.
        for (g, group) in p.groups.enumerated() {
            let gx = plotLeft + Self.groupGap / 2 + Double(g) * (groupWidth + Self.groupGap)
            for (i, bar) in group.bars.enumerated() {
                guard let bar, i < series.count else { continue }
                let bx = gx + Double(i) * (Self.barWidth + Self.barGap)
                let solidTop = y(bar.solid)
                let top = y(bar.solid + bar.hatched)
                s.append("<g class=\"bar\"><title>\(HTML.escape(bar.tooltip))</title>")
                if bar.solid > 0 {
                    s.append("<rect x=\"\(Self.num(bx))\" y=\"\(Self.num(solidTop))\" width=\"\(Self.num(Self.barWidth))\" "
                        + "height=\"\(Self.num(baseY - solidTop))\" fill=\"\(series[i].colour)\"/>")
                }
                if bar.hatched > 0 {
                    s.append("<rect x=\"\(Self.num(bx))\" y=\"\(Self.num(top))\" width=\"\(Self.num(Self.barWidth))\" "
                        + "height=\"\(Self.num(solidTop - top))\" fill=\"url(#\(hatchID(i)))\" stroke=\"\(series[i].colour)\" "
                        + "stroke-width=\"0.75\"/>")
                }
                s.append("<text class=\"value\" x=\"\(Self.num(bx + Self.barWidth / 2))\" y=\"\(Self.num(top - 3))\" "
                    + "text-anchor=\"middle\">\(HTML.escape(bar.label))</text>")
                s.append("</g>")
            }
            let lx = gx + groupWidth / 2, ly = baseY + 16
            if slantedLabels {
                s.append("<text class=\"tick\" x=\"\(Self.num(lx))\" y=\"\(Self.num(ly))\" text-anchor=\"end\" "
                    + "transform=\"rotate(-35 \(Self.num(lx)) \(Self.num(ly)))\">\(HTML.escape(group.label))</text>")
            } else {
                s.append("<text class=\"tick\" x=\"\(Self.num(lx))\" y=\"\(Self.num(ly))\" "
                    + "text-anchor=\"middle\">\(HTML.escape(group.label))</text>")
            }
        }
        s.append("<text class=\"axis-label\" x=\"\(Self.num((plotLeft + plotRight) / 2))\" y=\"\(Self.num(baseY + bottomMargin - 14))\" "
            + "text-anchor=\"middle\">\(HTML.escape(xLabel))</text>")
        s.append("</g>")
        return s
    }

    /// Coordinates with at most one decimal, `12` rather than `12.0`.
    static func num(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(format: "%.1f", r)
    }
}
