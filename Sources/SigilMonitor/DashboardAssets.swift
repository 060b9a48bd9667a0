/// The dashboard's files (`Dashboard/` beside this one), embedded in the binary by SwiftPM.
enum DashboardAssets {
    static let html = String(decoding: PackageResources.index_html, as: UTF8.self)
    static let script = String(decoding: PackageResources.dashboard_js, as: UTF8.self)
    static let style = String(decoding: PackageResources.dashboard_css, as: UTF8.self)
    static let icon = String(decoding: PackageResources.favicon_svg, as: UTF8.self)
}
