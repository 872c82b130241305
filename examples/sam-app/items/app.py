def handler(event, context):
    return {"items": ["apple", "pear"], "path": event["rawPath"]}
