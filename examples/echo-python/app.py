# echo-python: JSON echo (wasi:http). POST a JSON body; the answer is application/json
# {"method","path","body":<parsed body>} (body null when empty, 400 when not JSON).

from wisp_http import Response

def handle(request):
    try:
        body = request.json()
    except ValueError as e:
        return Response.json({"error": f"invalid JSON: {e}"}, status=400)
    return {"method": request.method, "path": request.path, "body": body}
