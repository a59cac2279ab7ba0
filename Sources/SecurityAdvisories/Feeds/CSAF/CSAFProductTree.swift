/// The `product_tree` of a CSAF document, reduced to the products PatchPilot can place: each
/// product id that stands for an RPM in a distribution release.
///
/// Products come from `branches` (recursively, each `product` entry; an enclosing branch of
/// category `architecture` supplies the arch when the product itself does not), `full_product_names`
/// and the `full_product_name` of each relationship. A relationship of category
/// `default_component_of` (or `installed_on`) joins a component (an RPM, by purl or NEVRA) with a
/// platform (a release, by CPE: see ``CSAFPlatform``); its product id is then a placed RPM.
/// Product ids that are themselves RPMs on a mappable platform are not guessed: without a
/// relationship there is no release.
struct CSAFProductTree: Sendable {
    /// An RPM in a release.
    struct PlacedPackage: Sendable, Hashable {
        /// The release.
        var release: EcosystemRelease
        /// The RPM.
        var component: CSAFComponent
    }

    /// Product id → placed RPM, for every relationship that could be mapped.
    private(set) var packages: [String: PlacedPackage] = [:]
    /// Group id → product ids (`product_groups`).
    private(set) var groups: [String: [String]] = [:]
    /// Every product id the tree defines (mapped or not).
    private(set) var productIDs: Set<String> = []

    private struct Product {
        var name: String
        var cpe: String?
        var purl: String?
        var arch: String?
    }

    /// Reads the tree; a structural error (a relationship without ids) is thrown.
    init(_ tree: JSONCursor) throws(SecurityAdvisoriesError) {
        var products: [String: Product] = [:]
        try Self.walk(tree["branches"], arch: nil, into: &products)
        for entry in try tree["full_product_names"].elements() {
            let (id, product) = try Self.product(entry, arch: nil)
            products[id] = product
        }
        for group in try tree["product_groups"].elements() {
            groups[try group["group_id"].string()] = try group["product_ids"].strings()
        }
        // Relationships may nest (a component of a module stream that is a component of a
        // release), so the release and the RPM are resolved through them.
        var links: [String: (component: String, platform: String)] = [:]
        var order: [String] = []
        for relationship in try tree["relationships"].elements() {
            let category = try relationship["category"].string()
            let componentID = try relationship["product_reference"].string()
            let platformID = try relationship["relates_to_product_reference"].string()
            let (id, product) = try Self.product(relationship["full_product_name"], arch: nil)
            products[id] = product
            guard category == "default_component_of" || category == "installed_on" else { continue }
            links[id] = (componentID, platformID)
            order.append(id)
        }
        func release(of id: String, depth: Int) -> EcosystemRelease? {
            if let cpe = products[id]?.cpe, let release = CSAFPlatform.release(cpe: cpe) { return release }
            guard depth < 8, let link = links[id] else { return nil }
            return release(of: link.platform, depth: depth + 1)
        }
        func rpm(of id: String, depth: Int) -> CSAFComponent? {
            if let link = links[id], depth < 8 { return rpm(of: link.component, depth: depth + 1) }
            guard let product = products[id] else { return nil }
            return Self.rpm(id, product)
        }
        for id in order {
            guard let link = links[id], let release = release(of: link.platform, depth: 0),
                let component = rpm(of: link.component, depth: 0)
            else { continue }
            packages[id] = PlacedPackage(release: release, component: component)
        }
        productIDs = Set(products.keys)
    }

    /// The product ids of `productIDs` plus the members of `groupIDs`.
    func expand(productIDs: [String], groupIDs: [String]) -> [String] {
        productIDs + groupIDs.flatMap { groups[$0] ?? [] }
    }

    private static func rpm(_ id: String, _ product: Product) -> CSAFComponent? {
        var component: CSAFComponent?
        if let purl = product.purl {
            // A purl of another type (oci, maven) is not an RPM, whatever the id looks like.
            guard purl.lowercased().hasPrefix("pkg:rpm/") else { return nil }
            component = CSAFComponent(purl: purl)
        }
        component = component ?? CSAFComponent(nevra: id) ?? CSAFComponent(nevra: product.name)
        if var found = component, found.arch == nil {
            found.arch = product.arch
            component = found
        }
        return component
    }

    private static func walk(
        _ branches: JSONCursor,
        arch: String?,
        into products: inout [String: Product]
    ) throws(SecurityAdvisoriesError) {
        for branch in try branches.elements() {
            let category = try branch["category"].optionalString()
            let name = try branch["name"].optionalString()
            let branchArch = category == "architecture" ? name : arch
            if !branch["product"].isAbsent {
                let (id, product) = try Self.product(branch["product"], arch: branchArch)
                products[id] = product
            }
            try walk(branch["branches"], arch: branchArch, into: &products)
        }
    }

    private static func product(
        _ cursor: JSONCursor,
        arch: String?
    ) throws(SecurityAdvisoriesError) -> (String, Product) {
        let id = try cursor["product_id"].string()
        let helper = cursor["product_identification_helper"]
        let name = try cursor["name"].optionalString()
        let purl = try helper["purl"].optionalString()
        let purls = try helper["purls"].strings()
        let product = Product(
            name: name ?? id,
            cpe: try helper["cpe"].optionalString(),
            purl: purl ?? purls.first,
            arch: arch
        )
        return (id, product)
    }
}
