-- content:publish (issue 13): publishing, scheduling, unpublishing and changing what is out now
-- need it. Tokens that could do all that with content:write keep it.
UPDATE api_tokens SET scopes = scopes || ' content:publish'
 WHERE (' ' || scopes || ' ') LIKE '% content:write %'
   AND (' ' || scopes || ' ') NOT LIKE '% content:publish %';
