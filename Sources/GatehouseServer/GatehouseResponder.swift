import Foundation
import GatehouseControl
import GatehouseFunctions
import GatehouseGateway
import GatehouseModel
import Hummingbird

/// The one responder behind the listener: Gatehouse's own endpoints under `/_gatehouse/`,
/// invoke URLs to the data plane, everything else to the control plane.
struct GatehouseResponder: HTTPResponder {
    typealias Context = GatehouseRequestContext

    let controlPlane: ControlPlane
    let gateway: Gateway
    let deployer: Deployer
    let runtimeAPI: RuntimeAPI
    let code: CodeStore
    let version: String

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        if path == "/_gatehouse/health" {
            return Response(.json(["status": "ok", "version": .string(version)]))
        }
        let target = InvokeTarget(host: request.head.authority, rawPath: IncomingRequest.split(request.head.path ?? path).path)
        let incoming: IncomingRequest
        do {
            incoming = try await IncomingRequest(request, context: context)
        } catch {
            let tooLarge = AWSError("RequestEntityTooLargeException", status: 413, "Request must be smaller than \(context.maxUploadSize) bytes.")
            return Response(ControlPlane.errorResponse(tooLarge))
        }
        if let target {
            return Response(await gateway.handle(incoming, target: target))
        }
        if RuntimeAPI.handles(incoming.rawPath) {
            return Response(await runtimeAPI.handle(incoming))
        }
        if let zip = codeDownload(incoming.rawPath) {
            return Response(zip)
        }
        let response = await controlPlane.handle(incoming)
        // Make a deployment live before the API answers that it was made.
        if incoming.method != "GET", response.status < 300 {
            try? await deployer.refresh()
        }
        return Response(response)
    }

    /// `GET /_gatehouse/code/{function}/{sha}.zip`: the package `GetFunction`'s `Code.Location` points at.
    private func codeDownload(_ path: String) -> OutgoingResponse? {
        guard path.hasPrefix("/_gatehouse/code/"), path.hasSuffix(".zip") else { return nil }
        guard let zip = code.zip(fileName: String(path.split(separator: "/").last!.dropLast(4))) else {
            return OutgoingResponse(status: 404, headers: [("Content-Type", "application/json")], body: Data(#"{"message":"No such code"}"#.utf8))
        }
        return OutgoingResponse(status: 200, headers: [("Content-Type", "application/zip")], body: zip)
    }
}
