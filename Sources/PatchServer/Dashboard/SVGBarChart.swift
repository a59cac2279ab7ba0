/// A small horizontal bar chart rendered as inline SVG on the server (no JavaScript needed).
struct SVGBarChart {
    /// One bar.
    struct Bar {
        var label: String
        var value: Int
        var color: String
    }

    var bars: [Bar]
    var width = 520
    var barHeight = 22
    var labelWidth = 150

    func render() -> String {
        guard !bars.isEmpty else { return "<p class=\"muted\">No data yet.</p>" }
        let maxValue = max(1, bars.map(\.value).max() ?? 1)
        let height = bars.count * (barHeight + 6) + 4
        let plotWidth = width - labelWidth - 50
        var svg =
            "<svg role=\"img\" viewBox=\"0 0 \(width) \(height)\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">"
        for (index, bar) in bars.enumerated() {
            let y = index * (barHeight + 6) + 2
            let length = bar.value == 0 ? 0 : max(2, plotWidth * bar.value / maxValue)
            let label = Self.escape(bar.label)
            svg += "<text x=\"0\" y=\"\(y + barHeight - 7)\">\(label)</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(length)\" height=\"\(barHeight)\" rx=\"3\" fill=\"\(bar.color)\">"
            svg += "<title>\(label): \(bar.value)</title></rect>"
            svg += "<text x=\"\(labelWidth + length + 6)\" y=\"\(y + barHeight - 7)\">\(bar.value)</text>"
        }
        return svg + "</svg>"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
