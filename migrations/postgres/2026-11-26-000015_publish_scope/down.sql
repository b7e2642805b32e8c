UPDATE api_tokens SET scopes = TRIM(REPLACE(' ' || scopes || ' ', ' content:publish ', ' '));
