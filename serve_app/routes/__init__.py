"""The gateway's routes, one ``APIRouter`` per concern; ``serve_app.gateway`` includes them."""
